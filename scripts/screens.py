"""Screenshots of every main screen, per demo role, at 1280 px and on a tablet held upright (768×1024),
in Chinese and in English, with a short report of what a look would catch: a page wider than the window,
a menu bar on more than one line, raw choice codes, English words on a Chinese page.

Run it against a server holding the demo data (`make run`, or `manage.py crm_demo` then `runserver`)::

    .venv/bin/python scripts/screens.py --base http://127.0.0.1:8000 --out /tmp/screens
    .venv/bin/python scripts/screens.py --roles clerk,gm --languages zh-hans --widths 768 --only customer

The PNGs are named ROLE-SCREEN-LANGUAGE-WIDTH.png; report.txt lists the findings, one line per page.
It changes nothing but each demo user's language (it uses the header's language switch, which the
profile remembers) and puts back Chinese at the end.
"""

import argparse
import contextlib
import os
import re
import sys
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
PASSWORD = "Wuliu-Demo-2026"  # crm_demo's
HEIGHTS = {1280: 800, 768: 1024}

# (role, screen, path). A path with {customer}, {complaint}, … is filled from the first matching link
# of a list page the role can open (see FINDERS), so the script needs no database access.
SCREENS = [
    *[(role, "home", "/") for role in ("clerk", "manager1", "head", "gm", "credit", "club")],
    ("clerk", "customer-list", "/customers/"),
    ("clerk", "customer-card", "/customers/{customer}/"),
    ("clerk", "customer-print", "/customers/{customer}/print/"),
    ("clerk", "customer-history", "/customers/{customer}/history/"),
    ("clerk", "customer-new", "/customers/new/"),
    ("clerk", "classification", "/customers/classification/"),
    ("clerk", "import", "/customers/import/"),
    ("clerk", "business-records", "/customers/business-records/"),
    ("clerk", "library", "/customers/library/"),
    ("clerk", "notifications", "/notifications/"),
    ("clerk", "error-403", "/customers/access-log/"),
    ("clerk", "error-404", "/customers/999999999/"),
    ("clerk", "complaint-list", "/complaints/"),
    ("clerk", "complaint-card", "/complaints/{complaint}/"),
    ("clerk", "complaint-print", "/complaints/{complaint}/print/"),
    ("clerk", "complaint-new", "/complaints/new/"),
    ("clerk", "requests", "/complaints/requests/"),
    ("clerk", "request-card", "/complaints/requests/{request}/"),
    ("manager1", "customer-list", "/customers/"),
    ("manager1", "leads", "/customers/leads/"),
    ("manager1", "lead-card", "/customers/{lead}/pipeline/"),
    ("manager1", "conversion", "/customers/leads/conversion/"),
    ("manager1", "key-account-candidates", "/customers/key-accounts/candidates/"),
    ("manager1", "service-plan", "/customers/{customer}/service-plan/"),
    ("manager1", "surveys", "/customers/{customer}/surveys/"),
    ("manager1", "survey-averages", "/customers/surveys/"),
    ("manager1", "request-access", "/customers/request-access/"),
    ("head", "access-requests", "/customers/access-requests/"),
    ("head", "access-request", "/customers/access-requests/{access_request}/"),
    ("head", "key-accounts", "/customers/key-accounts/"),
    ("head", "key-account", "/customers/key-accounts/{key_account}/"),
    ("head", "complaint-list", "/complaints/"),
    ("head", "complaint-statistics", "/complaints/statistics/"),
    ("gm", "customer-list", "/customers/"),
    ("gm", "access-log", "/customers/access-log/"),
    ("gm", "change-log", "/customers/change-log/"),
    ("gm", "complaint-list", "/complaints/"),
    ("credit", "credit-queue", "/credit/"),
    ("credit", "credit-file", "/credit/customers/{credit_customer}/"),
    ("credit", "form5", "/credit/customers/{credit_customer}/form5/"),
    ("credit", "form5-print", "/credit/customers/{credit_customer}/form5/print/"),
]

# placeholder: (list page, pattern of the link whose first group is the id)
FINDERS = {
    "customer": ("/customers/", r"^/customers/(\d+)/$"),
    "complaint": ("/complaints/", r"^/complaints/(\d+)/$"),
    "request": ("/complaints/requests/", r"^/complaints/requests/(\d+)/$"),
    "lead": ("/customers/leads/", r"^/customers/(\d+)/(?:pipeline/)?$"),
    "access_request": ("/customers/access-requests/", r"^/customers/access-requests/(\d+)/$"),
    "key_account": ("/customers/key-accounts/", r"^/customers/key-accounts/(\d+)/$"),
    "credit_customer": ("/credit/", r"^/credit/customers/(\d+)/$"),
}

# Raw codes: a choice value shown as is (transport.sea, pending_head, key_account).
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z]+\.[a-z]+\b")
# English on a Chinese page: runs of Latin letters, minus what is Latin in Chinese too.
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")
LOGIN_NAME = re.compile(r"\([a-z][a-z0-9_.-]*\)")  # 王芳 (clerk): a login name beside a person's name
LATIN_ALLOWED = {"CRM", "XLSX", "CSV", "API", "PDF", "SLA", "English", "Email", "E-mail", "KPI", "ECharts", "htmx",
                 "TEU", "CNY", "USD", "RMB", "GBK", "UTF", "Wuliu", "Demo"}

PAGE_CHECKS = """() => {
    const nav = document.querySelector('nav.navbar');
    const toggler = document.querySelector('.navbar-toggler');
    const collapsed = toggler !== null && toggler.offsetParent !== null;
    const links = nav ? [...nav.querySelectorAll('#nav-menus .nav-link')] : [];
    return {
        scroll: document.documentElement.scrollWidth - window.innerWidth,
        navHeight: nav ? Math.round(nav.getBoundingClientRect().height) : 0,
        collapsed: collapsed,
        wrappedMenus: collapsed ? 0 : links.filter(e => e.getClientRects().length > 1).length,
        text: (document.querySelector('main') || document.body).innerText,
        status: document.title,
    };
}"""


def find_ids(page, wanted: set[str]) -> dict[str, str]:
    ids = {}
    for key in sorted(wanted):
        list_path, pattern = FINDERS[key]
        page.goto(list_path)
        hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            match = re.match(pattern, href.split("?")[0])
            if match:
                ids[key] = match.group(1)
                break
    return ids


def settle(page) -> None:
    """Waits for htmx's first loads; a page that polls (a job's progress) never goes idle."""
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_load_state("networkidle", timeout=3_000)


def log_in(context, username: str, base: str):
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#user-menu")
    return page


def set_language(page, language: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})  # the switch hides behind the toggler below 992 px
    page.goto("/")
    with page.expect_navigation():
        page.select_option("#language-switch select", language)


def findings(checks: dict, language: str) -> list[str]:
    found = []
    if checks["scroll"] > 0:
        found.append(f"page {checks['scroll']} px wider than the window")
    if checks["wrappedMenus"]:
        found.append(f"{checks['wrappedMenus']} menu labels wrap")
    if not checks["collapsed"] and checks["navHeight"] > 64:
        found.append(f"menu bar {checks['navHeight']} px high")
    codes = sorted(set(RAW_CODE.findall(checks["text"])))
    if codes:
        found.append("raw codes? " + ", ".join(codes[:12]))
    if language == "zh-hans":
        text = LOGIN_NAME.sub("", checks["text"])
        words = sorted({w for w in LATIN_WORD.findall(text) if w not in LATIN_ALLOWED})
        if words:
            found.append("Latin words: " + ", ".join(words[:20]))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="screens")
    parser.add_argument("--roles", default="", help="comma-separated demo usernames (default: all)")
    parser.add_argument("--languages", default="zh-hans,en")
    parser.add_argument("--widths", default="1280,768")
    parser.add_argument("--only", default="", help="only screens whose name contains this")
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    roles = [r for r in args.roles.split(",") if r] or list(dict.fromkeys(role for role, _, _ in SCREENS))
    languages = args.languages.split(",")
    widths = [int(w) for w in args.widths.split(",")]
    report = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for role in roles:
            screens = [(name, path) for r, name, path in SCREENS if r == role and args.only in name]
            if not screens:
                continue
            ids = None
            for language in languages:
                # The browser's own locale too: date inputs show yyyy/mm/dd in a Chinese browser.
                context = browser.new_context(base_url=args.base, viewport={"width": 1280, "height": 800},
                                              locale="zh-CN" if language.startswith("zh") else "en-US")
                context.set_default_timeout(20_000)
                page = log_in(context, role, args.base)
                if ids is None:
                    wanted = {key for _, path in screens for key in re.findall(r"{(\w+)}", path)}
                    ids = find_ids(page, wanted)
                set_language(page, language)
                for width in widths:
                    page.set_viewport_size({"width": width, "height": HEIGHTS.get(width, 900)})
                    for name, path in screens:
                        try:
                            url = path.format(**ids)
                        except KeyError as missing:
                            report.append(f"{role:9} {name:24} {language:7} {width:4}  no {missing} found to open")
                            continue
                        response = page.goto(url)
                        settle(page)
                        checks = page.evaluate(PAGE_CHECKS)
                        file = out / f"{role}-{name}-{language}-{width}.png"
                        page.screenshot(path=str(file), full_page=True)
                        status = response.status if response else "-"
                        found = "; ".join(findings(checks, language)) or "ok"
                        report.append(f"{role:9} {name:24} {language:7} {width:4} {status} {url}  {found}")
                        print(report[-1], flush=True)
                if language != "zh-hans":
                    set_language(page, "zh-hans")  # the demo users' own language, put back
                context.close()
        browser.close()
    (out / "report.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
