"""The resident's cart: one per business, kept in the session (works for guests too)."""

from __future__ import annotations

from .models import Product, euros
from .services import MAX_QUANTITY, CartLine

SESSION_KEY = "orders_cart"


class Cart:
    def __init__(self, session, business_id: int):
        self.session = session
        self.business_id = business_id
        self.key = str(business_id)

    @property
    def items(self) -> dict[str, int]:
        return dict(self.session.get(SESSION_KEY, {}).get(self.key, {}))

    def _save(self, items: dict[str, int]) -> None:
        carts = dict(self.session.get(SESSION_KEY, {}))
        if items:
            carts[self.key] = items
        else:
            carts.pop(self.key, None)
        self.session[SESSION_KEY] = carts
        self.session.modified = True

    def add(self, product_id: int, quantity: int) -> None:
        items = self.items
        items[str(product_id)] = min(items.get(str(product_id), 0) + quantity, MAX_QUANTITY)
        self._save(items)

    def set(self, product_id: int, quantity: int) -> None:
        items = self.items
        if quantity <= 0:
            items.pop(str(product_id), None)
        else:
            items[str(product_id)] = min(quantity, MAX_QUANTITY)
        self._save(items)

    def clear(self) -> None:
        self._save({})

    def lines(self) -> list[CartLine]:
        return [CartLine(int(pid), qty) for pid, qty in self.items.items()]

    def __len__(self) -> int:
        return sum(self.items.values())

    def detail(self) -> tuple[list[dict], int]:
        """Rows (product, quantity, line total) at today's prices, and the subtotal."""
        items = self.items
        products = Product.objects.filter(business_id=self.business_id, pk__in=items.keys())
        rows = []
        for product in products:
            quantity = items[str(product.pk)]
            rows.append(
                {
                    "product": product,
                    "quantity": quantity,
                    "total": euros(product.price_cents * quantity),
                    "total_cents": product.price_cents * quantity,
                }
            )
        return rows, sum(row["total_cents"] for row in rows)
