#!/bin/sh
# Renders the UI console's nginx server config from its template when the container starts.
#
# The nginx image's /docker-entrypoint.sh runs every executable *.sh in /docker-entrypoint.d/ in
# sorted order before it starts nginx, and stops the container if one fails, so a task with a
# missing or malformed origin exits at once with the message below instead of serving a console
# whose Content-Security-Policy blocks its own API calls.
#
# Usage: 40-render-nginx-conf.sh [TEMPLATE] [OUTPUT]
#   (the entrypoint passes no arguments; tests pass their own paths to render the same way)
# Environment: API_ORIGIN, GATEWAY_ORIGIN, SUPABASE_ORIGIN, each an origin such as
#   https://api.example.com (scheme://host[:port], no path).
set -eu

template=${1:-/etc/nginx/ui-console/default.conf.template}
output=${2:-/etc/nginx/conf.d/default.conf}
me=$(basename "$0")
problems=""

# check_origin NAME VALUE: records a problem unless VALUE is an http(s) origin. The value lands
# inside an nginx string and a CSP header, so anything but host characters is refused.
check_origin() {
    case "$2" in
        "") problems="$problems
  $1 is not set; set it to an origin such as https://api.example.com"
            return ;;
        http://* | https://*) ;;
        *) problems="$problems
  $1=$2 must start with http:// or https://"
            return ;;
    esac
    case "${2#*://}" in
        "" | *[!A-Za-z0-9.:-]*) problems="$problems
  $1=$2 is not an origin: use scheme://host[:port] with no path, e.g. https://api.example.com" ;;
    esac
}

check_origin API_ORIGIN "${API_ORIGIN:-}"
check_origin GATEWAY_ORIGIN "${GATEWAY_ORIGIN:-}"
check_origin SUPABASE_ORIGIN "${SUPABASE_ORIGIN:-}"

if [ -n "$problems" ]; then
    echo "$me: cannot render $output:$problems" >&2
    exit 1
fi

# Only these three variables are substituted, so nginx's own $uri and friends survive.
# shellcheck disable=SC2016 # the single quotes are envsubst's list of variable names, not an expansion
envsubst '${API_ORIGIN} ${GATEWAY_ORIGIN} ${SUPABASE_ORIGIN}' <"$template" >"$output.tmp"
mv "$output.tmp" "$output"
echo "$me: rendered $output (API_ORIGIN=$API_ORIGIN GATEWAY_ORIGIN=$GATEWAY_ORIGIN SUPABASE_ORIGIN=$SUPABASE_ORIGIN)"
