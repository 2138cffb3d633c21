#!/bin/sh
# The RTMP relay's start: writes nginx.conf from deploy/nginx-rtmp.conf.template with the push to X
# taken from the environment, then runs nginx in the foreground.
#
#   X_RTMP_URL     the RTMP URL of the X Media Studio Producer source, e.g. rtmp://va.pscp.tv:80/x
#   X_STREAM_KEY   its stream key (appended as the last path segment; or already in X_RTMP_URL)
#   RELAY_LISTEN   what nginx listens on (default 1935)
#   RELAY_ALLOW_PUBLISH  who may publish (default: private networks, where compose puts the app)
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
template="${RELAY_TEMPLATE:-$here/nginx-rtmp.conf.template}"
conf="${RELAY_CONF:-/tmp/nginx-rtmp.conf}"

fail() { echo "rtmp relay: $*" >&2; exit 1; }

url="${X_RTMP_URL:-}"
[ -n "$url" ] || fail "set X_RTMP_URL to the RTMP URL of your X Media Studio Producer source"
case "$url" in
  rtmp://?*) ;;
  rtmps://*) fail "X_RTMP_URL is rtmps://: nginx-rtmp pushes rtmp:// only; use the source's rtmp:// URL, or set the app's RTMP_URL to it and leave the relay out" ;;
  *) fail "X_RTMP_URL must start with rtmp://" ;;
esac
push="${url%/}"
[ -z "${X_STREAM_KEY:-}" ] || push="$push/$X_STREAM_KEY"
# One token of nginx config: no whitespace, quotes, braces, semicolons or backslashes.
case "$push" in
  *[[:space:]\;\{\}\"\'\\\$]*) fail "X_RTMP_URL or X_STREAM_KEY holds characters a URL does not" ;;
esac

RELAY_ALLOW=""
for net in ${RELAY_ALLOW_PUBLISH:-10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 127.0.0.1}; do
  case "$net" in
    *[!0-9A-Fa-f.:/]*) fail "RELAY_ALLOW_PUBLISH: \"$net\" is not an address or network" ;;
  esac
  RELAY_ALLOW="${RELAY_ALLOW}allow publish $net; "
done
case "${RELAY_LISTEN:-1935}" in
  *[!0-9A-Za-z.:\[\]]*) fail "RELAY_LISTEN: not a port or address:port" ;;
esac
RELAY_ALLOW="${RELAY_ALLOW% }"
export RELAY_PUSH="$push" RELAY_ALLOW
export RELAY_LISTEN="${RELAY_LISTEN:-1935}"
export RELAY_RUN_DIR="${RELAY_RUN_DIR:-/tmp}"
export RELAY_RTMP_MODULE="${RELAY_RTMP_MODULE:-/usr/lib/nginx/modules/ngx_rtmp_module.so}"
envsubst '${RELAY_PUSH} ${RELAY_ALLOW} ${RELAY_LISTEN} ${RELAY_RUN_DIR} ${RELAY_RTMP_MODULE}' \
  < "$template" > "$conf"
# The key is never printed: only where the program goes.
echo "rtmp relay: pushing to $(echo "$url" | sed 's#^\(rtmp://[^/]*\).*#\1#') (listening on $RELAY_LISTEN)" >&2
[ "${RELAY_RENDER_ONLY:-}" = "1" ] && { cat "$conf"; exit 0; }
exec nginx -c "$conf" -e stderr
