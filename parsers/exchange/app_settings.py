"""The `<appSettings>` of a web.config as ASP.NET resolves them.

Exchange reads its settings with `ConfigurationManager.AppSettings[name]`, whose keys are
case-insensitive (.NET builds the collection with an ordinal ignore-case comparer): `<add
key="maxheartbeatinterval">` counts. The collection is built in document order, so a later `<add>`
of the same key replaces an earlier one, `<remove key=...>` drops it and `<clear/>` drops every
key written before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from parsers.exchange.xml_reader import Element


@dataclass(frozen=True)
class AppSetting:
    key: str  # as written
    value: str | None  # None when the `<add>` has no value attribute
    line: int


@dataclass(frozen=True)
class AppSettings:
    """The resolved keys (by lower-case key) and the line of the `<appSettings>` element, if any."""

    values: dict[str, AppSetting]
    line: int | None

    def get(self, key: str) -> AppSetting | None:
        return self.values.get(key.lower())


def read_app_settings(root: Element) -> AppSettings:
    section = root.child("appSettings")
    if section is None:
        return AppSettings({}, None)
    values: dict[str, AppSetting] = {}
    for item in section.children:
        key = item.attribute("key")
        if item.name == "clear":
            values.clear()
        elif item.name == "remove" and key is not None:
            values.pop(key.lower(), None)
        elif item.name == "add" and key is not None:
            values[key.lower()] = AppSetting(key, item.attribute("value"), item.line)
    return AppSettings(values, section.line)
