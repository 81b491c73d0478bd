"""What counts as the ActiveSync path: only objects the configuration marks as Exchange."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter.scope import UNKNOWN_HOST, exchange_word, find_scope, host_variants
from tests.conftest import parse_haproxy


@pytest.mark.parametrize(
    ("text", "word"),
    [("be_exchange", "exchange"), ("EXCH01", "exch01"), ("owa.example.com", "owa"), ("/Microsoft-Server-ActiveSync", "activesync"),
     ("/EWS/Exchange.asmx", "ews"), ("autodiscover.contoso.com", "autodiscover"), ("be_eas", "eas"), ("ExchangeCAS", "exchangecas"),
     ("be_news", None), ("mail.example.com", None), ("owasp-filter", None), ("web-frontend", None),
     ("Secure file exchange portal", None), ("key-exchange", None), ("be_data_exchange", None),
     ("file exchange and Exchange 2019", "exchange"), ("profile exchange", "exchange"), ("keyexchange", None)],
)
def test_marking_words_are_whole_words(text: str, word: str | None) -> None:
    assert exchange_word(text) == word


def _first_marking_word(text: str) -> str | None:
    """The definition exchange_word's single regex implements: split into ASCII words, take the
    first that starts with a marking word or is a short one with an optional number."""
    words = [word for word in re.split(r"[^a-z0-9]+", text.lower()) if word]
    for index, word in enumerate(words):
        if word.startswith("exchange") and index and words[index - 1] in ("file", "files", "data", "key", "stock", "currency",
                                                                         "foreign", "document", "documents"):
            continue
        if re.match(r"(?:exchange|activesync|autodiscover)", word) or re.fullmatch(r"(?:owa|ews|mapi|eas|exch)[0-9]*", word):
            return word
    return None


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["exchange", "Exch", "owa", "EWS", "eas", "mapi", "news", "activesync", "auto", "discover",
                                 "1", "2x", "x", "-", ".", "_", "/", "é", " ", "owasp", "autodiscover", "file", "key", "profile"]), max_size=8).map("".join))
def test_marking_word_is_the_first_whole_word_that_marks(text: str) -> None:
    assert exchange_word(text) == _first_marking_word(text)


def test_marked_pools_and_the_listeners_in_front_of_them() -> None:
    device = parse_haproxy("""
defaults
    mode http
frontend fe_shared
    bind :443
    use_backend be_app if { hdr(host) -i app.example.com }
    use_backend be_mail if { path_beg -i /owa /microsoft-server-activesync }
    default_backend be_web
frontend fe_exchange
    bind :8443
    default_backend be_servers
frontend fe_intranet
    bind :80
    default_backend be_web
backend be_app
    server a 10.0.0.1:80
backend be_mail
    server m 10.0.0.2:443
backend be_servers
    server s 10.0.0.3:443
backend be_web
    server w 10.0.0.4:80
backend be_checked
    option httpchk GET /owa/healthcheck.htm
    server c 10.0.0.5:443
""")
    scope = find_scope(device)
    assert set(scope.exchange_pools) == {"be_mail", "be_servers", "be_checked"}
    assert "routed by use_backend be_mail" in scope.exchange_pools["be_mail"]
    assert "the only kind of pool behind" in scope.exchange_pools["be_servers"]
    assert set(scope.listeners) == {"frontend fe_shared", "frontend fe_exchange"}
    assert scope.exchange_pools["be_checked"] == "backend be_checked ('/owa/healthcheck.htm')"
    assert scope.listeners["frontend fe_exchange"] == "frontend fe_exchange (named after Exchange)"
    assert scope.listeners["frontend fe_shared"].startswith("it routes to backend be_mail (routed by use_backend be_mail")


def test_host_variants_cover_routed_hosts_and_an_unknown_one() -> None:
    device = parse_haproxy("""
frontend fe
    mode http
    bind :443
    use_backend be_mail if { hdr(host) -i Mail.Example.com autodiscover.example.com }
    use_backend be_web if { hdr_end(host) -i .example.org }
    use_backend be_app if { req.ssl_sni -m beg app. }
backend be_mail
backend be_web
backend be_app
""")
    assert host_variants(device.listeners[0]) == (
        "autodiscover.example.com", "mail.example.com", "host.example.org", "app.example.invalid", UNKNOWN_HOST,
    )
