// The site header's « Menu » button: on a phone the links fold behind it, so that the
// header takes one line (the home map keeps the screen). Without JavaScript the links
// simply stay visible: site.css folds them, and shows the button, only under html.sn-js.
// Loaded in <head> without defer so that the class is there before the first paint.
document.documentElement.classList.add("sn-js");

function setUp() {
  const toggle = document.querySelector(".sn-menu-toggle");
  const nav = document.getElementById("sn-nav");
  if (!toggle || !nav) return;
  const close = () => {
    toggle.setAttribute("aria-expanded", "false");
    nav.classList.remove("sn-open");
  };
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("sn-open", open);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && nav.classList.contains("sn-open")) {
      close();
      toggle.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!nav.contains(event.target) && !toggle.contains(event.target)) close();
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
else setUp();
