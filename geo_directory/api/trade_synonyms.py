"""The words residents use for each trade: the one place where they are kept (data only).

Each category slug of ``fixtures/categories.json`` lists the words and phrases that, typed
in the search field, mean « this trade » (``query_words.understand``): its label's words
and the usual synonyms, singular, without accents, lower case (the query is normalised the
same way; a plural « s »/« x » is dropped before lookup). A phrase (« salon de the ») is
matched as consecutive words and wins over its single words. ``tests/api/test_search_words.py``
checks that every category has entries and that no word means two trades unless listed in
``SHARED``.

A word that is also a frequent part of shop names is still listed when it names the trade
(« boulangerie »): a listing whose name has the word is found by the name search as well,
and name matches rank first.
"""

SYNONYMS: dict[str, tuple[str, ...]] = {
    "alimentation": ("alimentation", "alimentaire", "nourriture"),
    "boulangerie": (
        "boulangerie",
        "boulanger",
        "boulangere",
        "pain",
        "patisserie",
        "patissier",
        "patissiere",
        "viennoiserie",
        "gateau",
        "croissant",
        "baguette",
    ),
    "boucherie": (
        "boucherie",
        "boucher",
        "bouchere",
        "charcuterie",
        "charcutier",
        "viande",
        "volaille",
        "volailler",
        "triperie",
    ),
    "fromagerie": ("fromagerie", "fromager", "fromage", "cremerie", "cremier", "laiterie"),
    "primeur": ("primeur", "fruit", "legume", "maraicher", "fruits et legumes"),
    "poissonnerie": ("poissonnerie", "poissonnier", "poisson", "fruits de mer", "coquillage"),
    "epicerie": ("epicerie", "epicier", "epiciere", "epicerie fine", "superette", "vrac"),
    "caviste": ("caviste", "cave", "cave a vin", "vin", "spiritueux", "biere", "whisky"),
    "chocolatier": (
        "chocolatier",
        "chocolat",
        "confiseur",
        "confiserie",
        "bonbon",
        "calisson",
        "nougat",
    ),
    "traiteur": ("traiteur", "plat a emporter", "plats cuisines"),
    "restauration": ("restauration", "restaurants et cafes", "ou manger"),
    "restaurant": (
        "restaurant",
        "resto",
        "restau",
        "brasserie",
        "bistrot",
        "bistro",
        "pizzeria",
        "pizza",
        "creperie",
    ),
    "restauration-rapide": (
        "restauration rapide",
        "fast food",
        "fastfood",
        "snack",
        "kebab",
        "burger",
        "sandwicherie",
        "sandwich",
    ),
    "cafe-bar": ("cafe", "bar", "pub", "salon de the", "buvette"),
    "hebergement": ("hebergement", "logement", "dormir"),
    "hotel": ("hotel", "motel", "hostel"),
    "chambre-d-hotes": (
        "chambre d hotes",
        "chambre d hote",
        "chambres d hotes",
        "maison d hotes",
        "gite",
    ),
    "camping": ("camping", "caravaning"),
    "commerce": ("commerce", "magasin"),
    "fleuriste": ("fleuriste", "fleur", "bouquet", "jardinerie", "pepiniere", "horticulteur"),
    "librairie": (
        "librairie",
        "libraire",
        "livre",
        "presse",
        "journaux",
        "papeterie",
        "maison de la presse",
    ),
    "mode": (
        "mode",
        "vetement",
        "habillement",
        "chaussure",
        "chausseur",
        "pret a porter",
        "maroquinerie",
        "lingerie",
    ),
    "jouets": ("jouet", "jeu", "jeux et jouets", "ludotheque"),
    "bazar": ("bazar", "discount", "solderie", "destockage", "grand magasin"),
    "maison": (
        "decoration",
        "deco",
        "meuble",
        "ameublement",
        "mobilier",
        "vaisselle",
        "art de la table",
        "maison et decoration",
    ),
    "bricolage": ("bricolage", "quincaillerie", "quincaillier", "outillage", "droguerie"),
    "beaute": (
        "beaute",
        "parfumerie",
        "parfum",
        "cosmetique",
        "esthetique",
        "estheticienne",
        "institut de beaute",
    ),
    "bijouterie": ("bijouterie", "bijoutier", "bijou", "joaillerie", "joaillier", "horlogerie"),
    "sport": ("sport", "cycle", "velo", "randonnee", "ski"),
    "artisanat": ("artisan", "artisanat", "depannage"),
    "coiffure": ("coiffure", "coiffeur", "coiffeuse", "barbier", "salon de coiffure"),
    "cordonnerie": ("cordonnerie", "cordonnier", "serrurerie", "clef minute", "cle minute"),
    "pressing": ("pressing", "laverie", "blanchisserie", "teinturerie", "laverie automatique"),
    "artisanat-d-art": (
        "artisanat d art",
        "artisan d art",
        "poterie",
        "potier",
        "ceramique",
        "santon",
        "santonnier",
        "galerie d art",
        "atelier d art",
    ),
}

# Words deliberately meaning more than one trade: none yet (each word names one trade).
SHARED: frozenset[str] = frozenset()
