#!/usr/bin/env bash
# term-matrix.sh TERM_SHOT BIN DIR: screenshots of `cxr-auditor demo` in the
# terminals the README's "Terminals tested" table lists, written to DIR as
# PNGs (run by `make term-matrix`; look at every one):
#
#   xterm.png            xterm -ti vt340: sixel, dark background
#   xterm-next.png       xterm after j j: an item with an urgent box
#   xterm-text.png       the same xterm with --graphics text, after j j
#   kitty.png            kitty 0.26.5: kitty graphics without placeholders
#   kitty-next.png       kitty after j j: the picture replaced, none stale
#   mlterm.png           mlterm 3.9: sixel, light background
#   mlterm-help.png      mlterm with the ? help open
#   tmux.png             tmux inside xterm: half-blocks (no passthrough)
#   tmux-next.png        tmux after j j: boxes in half-blocks
#   tmux-sixel.png       tmux (allow-passthrough on) inside xterm, --graphics
#                        auto: sixel via the passthrough, said in the status bar
#   tmux-sixel-next.png  the same after j j: the picture redrawn, none stale
#   tmux-sixel-window.png the same with focus-events on, after a new window
#                        and back (ctrl+b c, ctrl+b l): the picture redrawn
#
# Each run uses its own store in a temporary folder (deleted at the end), the
# demo's instant replies (--fast), and DIR/versions.txt records the terminals'
# versions. Needs Xvfb; term-shot installs the terminals it lacks.
set -euo pipefail
shot=$1 bin=$(realpath "$2") dir=$3
[ -x "$shot" ] || { echo "term-matrix: term-shot not found at '$shot' (set TERM_SHOT=)" >&2; exit 2; }
mkdir -p "$dir"
dir=$(realpath "$dir")
tmp=$(mktemp -d)
sock="cxr-term-matrix-$$"
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
wait=${TERM_MATRIX_WAIT:-6}
demo() { echo "$bin" demo --fast --dir "$PWD/testdata/demo" --db "$tmp/$1.db"; }

run() { # name terminal [keys] -- command...
  local name=$1 term=$2 keys=$3; shift 4
  "$shot" -t "$term" -g 160x48 -w "$wait" ${keys:+-k "$keys"} -o "$dir/$name.png" -- "$@" >/dev/null
  echo "$dir/$name.png"
}

run xterm xterm "" -- $(demo xterm)
run xterm-next xterm "j j" -- $(demo xterm-next)
run xterm-text xterm "j j" -- $(demo text) --graphics text
run kitty kitty "" -- $(demo kitty)
run kitty-next kitty "j j" -- $(demo kitty-next)
run mlterm mlterm "" -- $(demo mlterm)
run mlterm-help mlterm "question" -- $(demo mlterm-help)
run tmux xterm "" -- tmux -L "$sock" -f /dev/null new-session "$(demo tmux)"
tmux -L "$sock" kill-server 2>/dev/null || true
run tmux-next xterm "j j" -- tmux -L "$sock" -f /dev/null new-session "$(demo tmux-next)"
tmux -L "$sock" kill-server 2>/dev/null || true
printf 'set -g allow-passthrough on\nset -g focus-events on\n' > "$tmp/tmux-passthrough.conf"
run tmux-sixel xterm "" -- tmux -L "$sock" -f "$tmp/tmux-passthrough.conf" new-session "$(demo tmux-sixel)"
tmux -L "$sock" kill-server 2>/dev/null || true
run tmux-sixel-next xterm "j j" -- tmux -L "$sock" -f "$tmp/tmux-passthrough.conf" new-session "$(demo tmux-sixel-next)"
tmux -L "$sock" kill-server 2>/dev/null || true
run tmux-sixel-window xterm "ctrl+b c ctrl+b l" -- tmux -L "$sock" -f "$tmp/tmux-passthrough.conf" new-session "$(demo tmux-sixel-window)"
tmux -L "$sock" kill-server 2>/dev/null || true

{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cxr-auditor: $("$bin" --version 2>&1 | head -1)"
  echo "xterm: $(xterm -version 2>&1 | head -1)"
  echo "kitty: $(kitty --version 2>&1 | head -1)"
  echo "mlterm: $(mlterm --version 2>&1 | head -1)"
  echo "tmux: $(tmux -V 2>&1 | head -1)"
} > "$dir/versions.txt"
echo "$dir/versions.txt"
