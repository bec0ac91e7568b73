"""Units as data: the ``units`` table (catalog.models.Unit), read through a per-process snapshot
(``table``) and edited by the admin (``services``). Everything that needs a unit imports it from here:
the editor, the CSV import, the API, prices per kg and per 斤, the weighing of an order line."""

from catalog.units.services import (
    UnitError,
    add_unit,
    delete_unit,
    load_default_units,
    parse_aliases,
    register_usage,
    set_unit_active,
    snapshot,
    unit_in_use,
    update_unit,
)
from catalog.units.table import (
    BASE_UNITS,
    JIN_GRAMS,
    KG_GRAMS,
    KIND_LABELS,
    KIND_ORDER,
    UnitInfo,
    UnitTable,
    forget,
    grams_per_unit,
    is_weight_unit,
    kind_label,
    normalise_unit,
    resolve,
    unit_groups,
    unit_key,
    unit_name,
    unit_table,
    weight_grams,
)

__all__ = ["BASE_UNITS", "JIN_GRAMS", "KG_GRAMS", "KIND_LABELS", "KIND_ORDER", "UnitError", "UnitInfo", "UnitTable",
           "add_unit", "delete_unit", "forget", "grams_per_unit", "is_weight_unit", "kind_label",
           "load_default_units", "normalise_unit", "parse_aliases", "register_usage", "resolve", "set_unit_active",
           "snapshot", "unit_groups", "unit_in_use", "unit_key", "unit_name", "unit_table", "update_unit",
           "weight_grams"]
