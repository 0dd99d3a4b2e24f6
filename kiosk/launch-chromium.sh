#!/bin/sh
# lab kiosk launcher for Linux tablets: Chromium full screen on the lab's kiosk, for ever.
#
#   kiosk/launch-chromium.sh https://lab.example.org/kiosk
#
# Run it from the kiosk user's graphical session (see kiosk/README.md: autologin and
# autostart). It keeps its own browser profile, so the tablet's pairing cookie, its offline
# queue and its service worker live there and nowhere else; to reset the tablet, see the guide.
#
# Settings (environment variables, all optional):
#   LAB_KIOSK_PROFILE   profile directory (default: ~/.local/share/lab-kiosk/chromium)
#   LAB_KIOSK_BROWSER   browser command (default: the first of chromium, chromium-browser,
#                       google-chrome found on PATH)
#   LAB_KIOSK_EXTRA     more Chromium switches, e.g. "--force-device-scale-factor=1.25"
#   LAB_KIOSK_ONCE=1    do not restart the browser when it exits (for trying the setup)
set -eu

usage() {
    echo "usage: $0 URL   (e.g. https://lab.example.org/kiosk)" >&2
    exit 64
}

[ $# -eq 1 ] || usage
URL=$1
case $URL in
    https://*) ;;
    http://localhost* | http://127.0.0.1*) ;;  # a secure context too: fine for a test bench
    http://*)
        # The camera only works in a secure context, and without it no service worker: the
        # tablet would not scan by camera nor keep working offline. Say so, but start anyway.
        echo "warning: $URL is not https: no camera and no offline mode on this tablet" >&2
        ;;
    *) usage ;;
esac

PROFILE=${LAB_KIOSK_PROFILE:-${XDG_DATA_HOME:-$HOME/.local/share}/lab-kiosk/chromium}
mkdir -p "$PROFILE"
chmod 700 "$PROFILE"

BROWSER=${LAB_KIOSK_BROWSER:-}
if [ -z "$BROWSER" ]; then
    for candidate in chromium chromium-browser google-chrome google-chrome-stable; do
        if command -v "$candidate" >/dev/null 2>&1; then
            BROWSER=$candidate
            break
        fi
    done
fi
[ -n "$BROWSER" ] || { echo "error: no Chromium found (set LAB_KIOSK_BROWSER)" >&2; exit 69; }

# After a power cut Chromium thinks it crashed and offers to restore the last session: tell
# its profile it exited cleanly, so the tablet simply opens the kiosk again.
clean_exit() {
    prefs="$PROFILE/Default/Preferences"
    [ -f "$prefs" ] || return 0
    sed -i 's/"exited_cleanly":false/"exited_cleanly":true/; s/"exit_type":"[A-Za-z]*"/"exit_type":"Normal"/' "$prefs" || true
}

# Screen savers and power management must not blank a kiosk in the middle of a session.
if command -v xset >/dev/null 2>&1 && [ -n "${DISPLAY:-}" ]; then
    xset s off -dpms 2>/dev/null || true
fi

pause=1
while :; do
    clean_exit
    started=$(date +%s)
    # --kiosk: full screen, no address bar, no way out with the touch screen.
    # --noerrdialogs, --disable-session-crashed-bubble, --no-first-run: no pop-up to answer.
    # --disable-translate, --disable-features=Translate…: no "translate this page?" bar over
    #   the kiosk (visitors choose FR/EN/NL on the home screen).
    # --disable-pinch, --overscroll-history-navigation=0: no zooming or swiping back by hand.
    # --autoplay-policy: the camera preview plays without a tap.
    # --password-store=basic: no keyring prompt on a desktop without one.
    # shellcheck disable=SC2086  # LAB_KIOSK_EXTRA is a list of switches
    "$BROWSER" \
        --user-data-dir="$PROFILE" \
        --kiosk \
        --no-first-run \
        --no-default-browser-check \
        --noerrdialogs \
        --disable-session-crashed-bubble \
        --disable-infobars \
        --disable-translate \
        --disable-features=Translate,TranslateUI,OverscrollHistoryNavigation \
        --disable-pinch \
        --overscroll-history-navigation=0 \
        --disable-sync \
        --disable-background-networking \
        --disable-component-update \
        --autoplay-policy=no-user-gesture-required \
        --password-store=basic \
        --check-for-update-interval=31536000 \
        ${LAB_KIOSK_EXTRA:-} \
        "$URL" || true
    [ "${LAB_KIOSK_ONCE:-0}" = 1 ] && exit 0
    # Restart at once after a long run; back off (up to a minute) if it keeps dying at start.
    if [ $(( $(date +%s) - started )) -gt 60 ]; then pause=1; else pause=$(( pause * 2 )); fi
    [ "$pause" -gt 60 ] && pause=60
    echo "lab kiosk: browser exited, restarting in ${pause}s" >&2
    sleep "$pause"
done
