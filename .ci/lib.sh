# Helpers for the .ci scripts (sourced).

# A fresh virtual environment at $1 (python3-venv from apt when the interpreter lacks it).
make_venv() {
    if ! python3 -m venv "$1" >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq python3-venv python3-pip >/dev/null
        rm -rf "$1"
        python3 -m venv "$1"
    fi
}
