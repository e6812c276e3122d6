"""Tab completes product names in the composer's /buy, item by item, typed through the real Input."""

from __future__ import annotations

from solocrm_tui.core.sales import products

from .conftest import settle
from .test_composer import SIZE, composer_input, log_lines


async def test_tab_completes_the_item_being_typed(make_app, now):
    products.add_product("Grinder EK43", now, sku="EK43", price="1350")
    products.add_product("Espresso beans 1kg", now, price="24.50")
    products.add_product("Espresso beans 250g", now, price="8")
    products.add_product("Gram scale", now, price="40", active=False)
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        field = composer_input(app)
        await settle(pilot)  # Today's first load done: a key pressed during it may find no composer yet
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press(*"/buy 2x ek", "tab")
        await settle(pilot)
        assert field.value == "/buy 2x Grinder EK43"
        assert app.focused is field

        field.value = ""
        await pilot.press(*"/buy beans, 1x gr", "tab")
        await settle(pilot)
        assert field.value == "/buy beans, 1x Grinder EK43"  # the scale is no longer sold

        field.value = ""
        await pilot.press(*"/buy 3x esp", "tab")
        await settle(pilot)
        assert field.value == "/buy 3x esp"  # two match: listed as a hint, nothing picked
        assert log_lines(app)[-1] == ("Espresso beans 1kg  Espresso beans 250g", "hint")

        field.value = ""
        await pilot.press(*"/buy 3x espresso beans 2", "tab")  # one product now
        await settle(pilot)
        assert field.value == "/buy 3x Espresso beans 250g"
        assert ("Espresso beans 1kg  Espresso beans 250g", "hint") not in log_lines(app)  # answered: gone

        field.value = ""
        await pilot.press(*"/note gr", "tab")
        await settle(pilot)
        assert field.value == "/note gr"  # only item commands complete products
