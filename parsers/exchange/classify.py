"""What an Exchange-side file is, told from its content, so a run can pick its Exchange inputs.

- A Sync web.config is the back-end ActiveSync virtual directory's (`ClientAccess\\Sync`): its
  `<appSettings>` hold a heartbeat key or `RoutingUpdateModule.ProtocolType` = EAS, and no
  `HttpProxy.ProtocolType` (which only front-end HttpProxy virtual directories have; the AirSync
  handler that reads the heartbeat keys does not run there).
- A request-filtering file is any IIS configuration with `<filteringRule>` elements.
- An access-rule export is a `Get-ActiveSyncDeviceAccessRule` CSV or JSON export.
"""

from __future__ import annotations

import enum

from parsers.detect import SNIFF_BYTES, detect_vendor
from parsers.exchange.app_settings import read_app_settings
from parsers.exchange.heartbeat import HEARTBEAT_KEYS
from parsers.exchange.request_filtering import PROTOCOL_TYPE_KEY, read_request_filtering
from parsers.exchange.xml_reader import Element, XmlRefused, read_xml

_BACKEND_PROTOCOL_KEY = "RoutingUpdateModule.ProtocolType"


class ExchangeInput(str, enum.Enum):
    SYNC_WEB_CONFIG = "sync-web-config"
    WEB_CONFIG = "web-config"  # any other IIS configuration (a front-end web.config, applicationHost.config)
    ACCESS_RULES = "access-rules"
    UNREADABLE_XML = "unreadable-xml"


def is_sync_tree(root: Element) -> bool:
    settings = read_app_settings(root)
    if settings.get(PROTOCOL_TYPE_KEY) is not None:
        return False
    backend = settings.get(_BACKEND_PROTOCOL_KEY)
    return any(settings.get(key) is not None for key in HEARTBEAT_KEYS) or bool(
        backend and (backend.value or "").strip().upper() == "EAS")


def classify(text: str) -> ExchangeInput | None:
    """The kind of Exchange input `text` is, or None when it is none (another vendor's file)."""
    if detect_vendor(text[:SNIFF_BYTES]) != "exchange":
        return None
    if not text.lstrip("\ufeff \t\r\n").startswith("<"):
        return ExchangeInput.ACCESS_RULES
    try:
        root = read_xml(text)
    except XmlRefused:
        return ExchangeInput.UNREADABLE_XML
    return ExchangeInput.SYNC_WEB_CONFIG if is_sync_tree(root) else ExchangeInput.WEB_CONFIG


def is_sync_web_config(text: str) -> bool:
    return classify(text) is ExchangeInput.SYNC_WEB_CONFIG


def is_access_rules(text: str) -> bool:
    return classify(text) is ExchangeInput.ACCESS_RULES


def is_request_filtering(text: str) -> bool:
    """Whether the file holds IIS filtering rules (and so is a hop that can refuse apps)."""
    if classify(text) not in (ExchangeInput.SYNC_WEB_CONFIG, ExchangeInput.WEB_CONFIG):
        return False
    return bool(read_request_filtering("", read_xml(text)))
