#!/bin/sh
# The kubia app of "Kubernetes in Action": an HTTP server on :8080 whose CGI answers
# "You've hit <hostname>". busybox httpd does the HTTP; this shell stays as PID 1 so that
# SIGTERM stops the server at once (httpd alone, as PID 1, would ignore it). The port is
# fixed, as in the book: a service named kubia sets KUBIA_PORT=tcp://… in every later pod.
rm -f /tmp/kubia-requests
echo "Kubia server starting..."
httpd -f -p 8080 -h /srv/kubia &
pid=$!
stop() {
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  exit 0
}
trap stop TERM INT QUIT
wait "$pid"
