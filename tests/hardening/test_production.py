"""The production shape starts: static files collect with the hashed storage and are served by
whitenoise with DEBUG off; the placeholder or a short SECRET_KEY is refused before anything runs."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parent.parent.parent
GOOD_KEY = "Qm7-kP2x_Vr9Lw4Zt8Nb3Hc6Yd1Fs5Jg0Ae-Uo2Ri7Ty4Wq9Ep3Mn6Bv8Cx1Zl5"
PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def production_env(**extra):
    env = {"DJANGO_SETTINGS_MODULE": "crm.settings.production", "SECRET_KEY": GOOD_KEY,
           "ALLOWED_HOSTS": "crm.example.com,testserver", "DATABASE_URL": "sqlite:////tmp/crm-hardening-prod.sqlite3",
           "PATH": "/usr/bin:/bin"}
    env.update(extra)
    return env


def manage(*args, **env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=production_env(**env),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("staticfiles")
    result = manage("collectstatic", "--noinput", STATIC_ROOT=str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def test_collectstatic_with_the_production_storage_writes_a_manifest(static_root):
    manifest = (static_root / "staticfiles.json").read_text(encoding="utf-8")
    hashed_css = r'"vendor/bootstrap-5\.3\.9\.min\.css": "vendor/bootstrap-5\.3\.9\.min\.[0-9a-f]{12}\.css"'
    assert re.search(hashed_css, manifest)
    assert '"js/behaviours.js"' in manifest
    hashed = list((static_root / "vendor").glob("bootstrap-5.3.9.bundle.min.*.js"))
    assert len(hashed) == 1


def test_vendored_files_name_no_source_map_that_is_not_shipped():
    for path in (ROOT / "static").rglob("*"):
        if path.suffix in {".js", ".css"}:
            for name in re.findall(r"sourceMappingURL=(\S+?)(?:\s|\*/|$)", path.read_text(encoding="utf-8")):
                assert (path.parent / name).exists(), f"{path} names {name}"


@pytest.mark.django_db
def test_a_page_and_its_static_files_are_served_with_debug_off(static_root):
    with override_settings(DEBUG=False, STATIC_ROOT=static_root, STORAGES=PRODUCTION_STORAGES):
        client = Client()  # a new client builds the middleware, so whitenoise reads the new STATIC_ROOT
        page = client.get("/login/")
        assert page.status_code == 200
        html = page.content.decode()
        css = re.search(r'href="(/static/vendor/bootstrap-5\.3\.9\.min\.[0-9a-f]{12}\.css)"', html)
        js = re.search(r'src="(/static/js/behaviours\.[0-9a-f]{12}\.js)"', html)
        assert css and js, html[:800]
        assert "script-src 'self'" in page["Content-Security-Policy"]
        static = client.get(css.group(1))
        assert static.status_code == 200
        assert b"Bootstrap" in b"".join(static.streaming_content)
        assert "max-age=315360000" in static["Cache-Control"]  # hashed names are cached forever
        assert client.get("/static/js/behaviours.js").status_code == 200


def test_the_placeholder_secret_key_of_env_example_is_refused():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    placeholder = re.search(r"^SECRET_KEY=(.+)$", example, re.M).group(1).strip()
    result = manage("check", SECRET_KEY=placeholder)
    assert result.returncode != 0
    assert "SECRET_KEY is the placeholder of .env.example" in result.stderr


def test_a_short_secret_key_is_refused():
    result = manage("check", SECRET_KEY="x" * 49)
    assert result.returncode != 0
    assert "SECRET_KEY has 49 characters: production needs at least 50" in result.stderr


def test_a_long_random_secret_key_passes():
    result = manage("check")
    assert result.returncode == 0, result.stderr
