#!/bin/sh
# A stand-in for nginx: busybox httpd serving /usr/share/nginx/html on :80, logging each
# request to stderr. Understands `nginx -s stop|quit|reload|reopen`, `-t`, `-v`; other
# arguments (such as `-g 'daemon off;'`) are accepted and ignored.
pidfile=/run/nginx.pid
while [ $# -gt 0 ]; do
  case "$1" in
  -s)
    [ -r "$pidfile" ] || { echo "nginx: [error] open() \"$pidfile\" failed (2: No such file or directory)" >&2; exit 1; }
    case "$2" in
    stop) kill -TERM "$(cat "$pidfile")" ;;
    quit) kill -QUIT "$(cat "$pidfile")" ;;
    reload | reopen) kill -0 "$(cat "$pidfile")" ;;
    *) echo "nginx: invalid option: \"-s $2\"" >&2; exit 1 ;;
    esac
    exit $?
    ;;
  -t)
    echo "nginx: configuration file /etc/nginx/nginx.conf test is successful" >&2
    exit 0
    ;;
  -v | -V)
    echo "nginx version: nginx/skiff-test (busybox httpd)" >&2
    exit 0
    ;;
  -g | -c | -p | -e) shift ;;
  esac
  shift
done
mkdir -p /run
echo $$ >"$pidfile"
httpd -f -v -p 80 -h /usr/share/nginx/html &
pid=$!
stop() {
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  rm -f "$pidfile"
  exit 0
}
trap stop TERM INT QUIT
wait "$pid"
