svc=labagent rclocal=/etc/labagent/labagent.init pidfile=/var/run/labagent.pid
if [ -d /run/systemd/system ] && systemctl cat "$svc" >/dev/null 2>&1; then mode=systemd
elif [ -x "/etc/init.d/$svc" ]; then mode=init init="/etc/init.d/$svc"
elif [ -x "$rclocal" ]; then mode=init init="$rclocal"
else echo "no $svc service on this node (systemd unit, /etc/init.d/$svc or $rclocal)" >&2; echo "hint: provision the node first: lab provision" >&2; exit 1
fi
case $mode in
systemd) systemctl is-active --quiet "$svc" || { echo "$svc is not running" >&2; echo "hint: lab chaos start-agent starts it" >&2; exit 1; } ;;
init) "$init" status >/dev/null 2>&1 || { echo "$svc is not running" >&2; echo "hint: lab chaos start-agent starts it" >&2; exit 1; } ;;
esac
/usr/local/bin/labagent leave >/dev/null || echo "graceful leave failed; stopping the service anyway" >&2
case $mode in
systemd) systemctl stop "$svc" ;;
init) "$init" stop ;;
esac
