exec 3<&0
since=$(date '+%Y/%m/%d %H:%M:%S')
/usr/local/bin/serf monitor -log-level=info </dev/null 2>&1 & pid=$!
echo "gossiplab-monitor pid $pid since $since"
{ cat <&3 >/dev/null; kill "$pid" 2>/dev/null; } >/dev/null 2>&1 &
wait "$pid"; echo "gossiplab-monitor exit $?"
