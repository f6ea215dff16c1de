# Sourced by scripts/test.sh and scripts/demo.sh: a venv with the project and its dev tools,
# and PostgreSQL's server binaries (Debian's package) for the RDS workflow's tests.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import awstape, moto, psycopg, ruff" 2>/dev/null \
   || [ pyproject.toml -nt .venv/.installed ]; then
  echo "setup: installing the project and its test tools into .venv (log: .venv/install.log)" >&2
  { .venv/bin/pip install --upgrade pip && .venv/bin/pip install -e '.[dev]'; } \
    > .venv/install.log 2>&1 || { tail -30 .venv/install.log >&2; exit 1; }
  touch .venv/.installed
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "setup: installing PostgreSQL server binaries with apt" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
if ! command -v ip >/dev/null 2>&1 || ! command -v unshare >/dev/null 2>&1; then
  echo "setup: installing iproute2 and util-linux for the offline (empty network namespace) tests" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 util-linux >/dev/null
fi
