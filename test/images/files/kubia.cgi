#!/bin/sh
# One request to kubia. The name is the pod's: /etc/hostname, else $HOSTNAME, else uname.
name=$(cat /etc/hostname 2>/dev/null)
[ -n "$name" ] || name=$HOSTNAME
[ -n "$name" ] || name=$(hostname)
addr=${REMOTE_ADDR#[}
echo "Received request from ${addr%]}" >&2
if [ -n "$KUBIA_FAIL_AFTER" ]; then
  # kubia-unhealthy: fine for the first KUBIA_FAIL_AFTER requests, then 500 for ever.
  echo >>/tmp/kubia-requests
  count=$(wc -l </tmp/kubia-requests)
  if [ "$count" -gt "$KUBIA_FAIL_AFTER" ]; then
    printf 'Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n'
    printf "I'm not well. Please restart me!"
    exit 0
  fi
fi
printf 'Content-Type: text/plain\r\n\r\n'
printf "You've hit %s\n" "$name"
