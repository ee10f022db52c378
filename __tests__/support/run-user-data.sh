#!/usr/bin/env bash
# Runs hardening user data with the real cloud-init inside the Debian test root (scripts/test-root.sh),
# then writes what the host ended up with to OUT for the test to assert on.
#   run-user-data.sh ROOT WORK USER_DATA_FILE PASSES
# Called by __tests__/support/test-root.ts inside `unshare --mount --net --pid --uts --fork`: every
# mount below disappears with the namespace, the firewall loads into an empty network namespace of
# its own (never the machine's), and the cached root is never written (an overlay, or a copy).
# Stubbed, because it cannot work here: the instance metadata service and the agent's bucket
# (a curl stand-in answering those two hosts only), the CloudWatch agent itself (a package whose
# control script checks and records its configuration), the package archive (the root already
# holds every package the recipe asks for; apt has no source), and starting services (policy-rc.d,
# and systemctl refusing to start anything in a chroot).
set -euo pipefail
ROOT=$1 WORK=$2 USER_DATA=$3 PASSES=${4:-1}
OUT=$WORK/out R=$WORK/merged
mkdir -p "$OUT" "$R" "$WORK/upper" "$WORK/work"
mount --make-rprivate /
if ! mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$WORK/upper,workdir=$WORK/work" "$R" 2>/dev/null; then
  cp -a "$ROOT/." "$R/"
fi
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys" 2>/dev/null || true
mount --rbind /dev "$R/dev"
mount -t tmpfs tmpfs "$R/run"
mount -t tmpfs tmpfs "$R/tmp"
ip link set lo up 2>/dev/null || true
hostname bulwark-test

in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

# A host whose automatic updates are off, so that what apt-config reads afterwards is the recipe's
# doing (the package's own default turns them on).
printf 'APT::Periodic::Update-Package-Lists "0";\nAPT::Periodic::Unattended-Upgrade "0";\n' > "$R/etc/apt/apt.conf.d/20auto-upgrades"

# --- stubs -------------------------------------------------------------------------------------
: > "$R/etc/apt/sources.list"
rm -f "$R"/etc/apt/sources.list.d/*
mkdir -p "$R/usr/local/share/bulwark-stub/agent/DEBIAN" "$R/usr/local/share/bulwark-stub/agent/opt/aws/amazon-cloudwatch-agent/bin"
cat > "$R/usr/local/share/bulwark-stub/agent/DEBIAN/control" <<'EOF'
Package: amazon-cloudwatch-agent
Version: 0.0.0-bulwark-stub
Architecture: all
Maintainer: bulwark tests <tests@example.invalid>
Description: stand-in for the CloudWatch agent: checks and records its configuration
EOF
cat > "$R/usr/local/share/bulwark-stub/agent/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl" <<'EOF'
#!/bin/sh
# Records the call; fetch-config must name a readable JSON file, as the real agent requires.
echo "$*" >> /var/log/bulwark-agent-ctl.log
config=$(echo "$*" | sed -n 's/.*-c file:\([^ ]*\).*/\1/p')
[ -z "$config" ] || python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$config"
EOF
chmod 0755 "$R/usr/local/share/bulwark-stub/agent/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"
in_root dpkg-deb --root-owner-group -b /usr/local/share/bulwark-stub/agent /usr/local/share/bulwark-stub/amazon-cloudwatch-agent.deb >/dev/null
cat > "$R/usr/local/bin/curl" <<'EOF'
#!/bin/sh
# curl stand-in: IMDSv2 (a token first, then the region) and the agent's regional bucket.
echo "curl $*" >> /var/log/bulwark-curl.log
out=; url=; token=; prev=
for a in "$@"; do
  case "$prev" in -o) out=$a ;; -H) case "$a" in X-aws-ec2-metadata-token:*) token=${a#*: } ;; esac ;; esac
  case "$a" in http://*|https://*) url=$a ;; esac
  prev=$a
done
case "$url" in
  http://169.254.169.254/latest/api/token) echo stub-token ;;
  http://169.254.169.254/latest/meta-data/placement/region) [ "$token" = stub-token ] || exit 22; echo eu-west-1 ;;
  https://amazoncloudwatch-agent-eu-west-1.s3.eu-west-1.amazonaws.com/ubuntu/*/latest/amazon-cloudwatch-agent.deb)
    cp /usr/local/share/bulwark-stub/amazon-cloudwatch-agent.deb "${out:?}" ;;
  *) echo "curl: (7) no network in the test root: $url" >&2; exit 7 ;;
esac
EOF
chmod 0755 "$R/usr/local/bin/curl"
cat > "$R/usr/local/bin/systemctl" <<'EOF'
#!/bin/sh
# systemctl stand-in: no service manager runs in the test root. The real systemctl enables and
# disables unit files (it works on files alone in a chroot); starting, stopping and reloading are
# recorded, for a unit that exists, and not done.
echo "systemctl $*" >> /var/log/bulwark-systemctl.log
args=
for a in "$@"; do [ "$a" = --now ] || args="$args $a"; done
# shellcheck disable=SC2086
set -- $args
case "$1" in
  start|stop|restart|reload|try-restart|reload-or-restart)
    verb=$1; shift
    for unit in "$@"; do
      [ -n "$(/usr/bin/systemctl is-enabled "$unit" 2>/dev/null)" ] || { echo "Failed to $verb $unit.service: Unit $unit.service not found." >&2; exit 5; }
    done
    exit 0 ;;
esac
exec /usr/bin/systemctl "$@"
EOF
chmod 0755 "$R/usr/local/bin/systemctl"

# --- the instance: NoCloud seed with the user data under test -----------------------------------
mkdir -p "$R/var/lib/cloud/seed/nocloud"
cp "$USER_DATA" "$R/var/lib/cloud/seed/nocloud/user-data"
printf 'instance-id: i-0bulwarktest\nlocal-hostname: bulwark-test\n' > "$R/var/lib/cloud/seed/nocloud/meta-data"
cat > "$R/etc/cloud/cloud.cfg.d/99-bulwark-test.cfg" <<'EOF'
datasource_list: [NoCloud]
network: {config: disabled}
# As on Ubuntu's images (Debian's cloud.cfg names "debian").
system_info:
  default_user: {name: ubuntu, lock_passwd: true, gecos: Ubuntu, groups: [adm, sudo], sudo: ["ALL=(ALL) NOPASSWD:ALL"], shell: /bin/bash}
EOF

# Content, mode and owner of what a run may change (mtimes differ on every run and are left out).
# cloud-init's own per-instance work is left out too: new host keys for a new instance, and the
# default user's sudoers file, to which each new instance appends its line again.
snapshot() {
  local list=$WORK/snapshot-list
  (cd "$R" && find etc opt usr/local var/lib/dpkg/status -xdev \( -type f -o -type l \) \
      ! -path 'etc/ssh/ssh_host_*' ! -path 'etc/sudoers.d/90-cloud-init-users' ! -path 'etc/ld.so.cache' ! -path 'etc/machine-id' -print0 \
    | sort -z > "$list"
   # One process per step, not per file: stat and sha256sum take the whole list; links are read by find.
   { xargs -0 -r stat -c 'M %n %a %U:%G %s' < "$list"
     find etc opt usr/local -xdev -type l -printf 'L %p %l\n'
     tr '\0' '\n' < "$list" | while IFS= read -r f; do [ -L "$f" ] || printf '%s\0' "$f"; done | xargs -0 -r sha256sum | sed 's/^\([0-9a-f]\{16\}\)[0-9a-f]*  /H \1 /'
   } | awk '$1 == "M" { order[++n] = $2; meta[$2] = $3 " " $4 " " $5; next }
            $1 == "L" { link[$2] = $3; next }
            $1 == "H" { hash[$3] = $2 }
            END { for (i = 1; i <= n; i++) { k = order[i]; print k " " meta[k] " " (k in link ? "-> " link[k] : hash[k]) } }') > "$1"
}

run_cloud_init() {
  in_root cloud-init clean --logs >/dev/null 2>&1 || true
  local rc=0
  for stage in "init --local" "init" "modules --mode config" "modules --mode final"; do
    # shellcheck disable=SC2086
    in_root cloud-init $stage >> "$OUT/cloud-init-$1.log" 2>&1 || rc=$?
  done
  cp "$R/var/log/cloud-init-output.log" "$OUT/cloud-init-output-$1.log" 2>/dev/null || true
  cp "$R/run/cloud-init/result.json" "$OUT/result-$1.json" 2>/dev/null || echo '{"v1":{"errors":["no result.json"]}}' > "$OUT/result-$1.json"
  echo "$rc" > "$OUT/cloud-init-$1.rc"
}

observe() {
  local n=$1
  mkdir -p "$R/run/sshd"  # systemd makes it when ssh.service starts (RuntimeDirectory)
  in_root sshd -T -C user=nobody,host=client.example,addr=203.0.113.7 > "$OUT/sshd-T-$n.txt" 2>&1 || true
  in_root nft list ruleset > "$OUT/nft-ruleset-$n.txt" 2>&1 || true
  (in_root nft -c -f /etc/nftables.conf && echo ok) > "$OUT/nft-check-$n.txt" 2>&1 || true
  if [ -f "$R/etc/sysconfig/nftables.conf" ]; then (in_root nft -c -f /etc/sysconfig/nftables.conf && echo ok) > "$OUT/nft-check-al-$n.txt" 2>&1 || true; fi
  cp "$R/var/log/dnf-automatic.ini" "$OUT/dnf-automatic-$n.txt" 2>/dev/null || true
  in_root apt-config dump > "$OUT/apt-config-$n.txt" 2>&1 || true
  for unit in rpcbind rpcbind.socket avahi-daemon avahi-daemon.socket nftables unattended-upgrades rsyslog ssh; do
    printf '%s %s\n' "$unit" "$(in_root systemctl is-enabled "$unit" 2>/dev/null || true)"
  done > "$OUT/units-$n.txt"
  cp "$R/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json" "$OUT/agent-$n.json" 2>/dev/null || true
  cp "$R/var/log/bulwark-agent-ctl.log" "$OUT/agent-ctl-$n.log" 2>/dev/null || true
  cp "$R/var/log/bulwark-curl.log" "$OUT/curl-$n.log" 2>/dev/null || true
  cp "$R/var/log/bulwark-systemctl.log" "$OUT/systemctl-$n.log" 2>/dev/null || true
  (in_root dpkg-query -W -f '${Package} ${Status}\n' unattended-upgrades nftables rsyslog amazon-cloudwatch-agent || true) > "$OUT/packages-$n.txt" 2>&1
  snapshot "$OUT/snapshot-$n.txt"
}

snapshot "$OUT/snapshot-0.txt"
for pass in $(seq 1 "$PASSES"); do
  run_cloud_init "$pass"
  observe "$pass"
done
