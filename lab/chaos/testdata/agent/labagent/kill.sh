svc=labagent rclocal=/etc/labagent/labagent.init pidfile=/var/run/labagent.pid
if [ -d /run/systemd/system ] && systemctl cat "$svc" >/dev/null 2>&1; then mode=systemd
elif [ -x "/etc/init.d/$svc" ]; then mode=init init="/etc/init.d/$svc"
elif [ -x "$rclocal" ]; then mode=init init="$rclocal"
else echo "no $svc service on this node (systemd unit, /etc/init.d/$svc or $rclocal)" >&2; echo "hint: provision the node first: lab provision" >&2; exit 1
fi
case $mode in
systemd)
	systemctl is-active --quiet "$svc" || { echo "$svc is not running" >&2; echo "hint: lab chaos start-agent starts it" >&2; exit 1; }
	systemctl kill --signal=SIGKILL "$svc"
	systemctl stop "$svc" ;;
init)
	if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then kill -KILL "$(cat "$pidfile")"
	else echo "$svc is not running" >&2; echo "hint: lab chaos start-agent starts it" >&2; exit 1
	fi ;;
esac
