#!/usr/bin/env bash
# Builds the Debian root file system in which the hardening user-data test runs the Ubuntu
# recipe with the real cloud-init (__tests__/modules/user-data.run.test.ts). Kept between runs,
# outside the repository; rebuilt only when the package list below changes (its hash names the
# directory). Needs root and debootstrap (installed with apt-get when missing).
#   scripts/test-root.sh          build when missing, print the root's path
#   scripts/test-root.sh --path   print the path only
set -euo pipefail

SUITE=bookworm
# What the recipe installs (unattended-upgrades, nftables, rsyslog), what runs it (cloud-init),
# what the test reads the result with (openssh-server for sshd -T, apt for apt-config,
# systemd for systemctl), two services the recipe must disable (rpcbind, avahi-daemon), and what
# every Ubuntu cloud image has and the minimal base lacks (netbase: /etc/protocols, which nft needs
# to resolve ipv6-icmp; locales: cloud-init sets the locale). The locale is generated and set here,
# as on a cloud image: cloud-init then finds it current and does not generate it again on every run.
PACKAGES="cloud-init,openssh-server,nftables,unattended-upgrades,rsyslog,systemd,systemd-sysv,rpcbind,avahi-daemon,python3,netbase,locales"
CACHE="${BULWARK_TEST_ROOT_CACHE:-/var/cache/bulwark}"
KEY=$(printf '%s %s v2' "$SUITE" "$PACKAGES" | sha256sum | cut -c1-12)
ROOT="$CACHE/rootfs-$SUITE-$KEY"

if [ "${1:-}" = "--path" ]; then echo "$ROOT"; exit 0; fi
if [ -f "$ROOT/.bulwark-root" ]; then echo "$ROOT"; exit 0; fi

if [ "$(id -u)" != 0 ]; then echo "test root: building $ROOT needs root (debootstrap, chroot)" >&2; exit 1; fi
if ! command -v debootstrap >/dev/null 2>&1; then
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
fi
# The mirror apt is configured with on this machine (deb822 or one-line sources).
MIRROR=$(sed -n 's/^URIs: *\([^ ]*debian\)\/\{0,1\} *$/\1/p; s/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*debian\)\/\{0,1\} .*/\2/p' \
  /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 || true)
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

mkdir -p "$CACHE"
TMP="$ROOT.partial.$$"
trap 'rm -rf "$TMP"' EXIT
start=$(date +%s)
echo "test root: debootstrap $SUITE from $MIRROR into $ROOT" >&2
# debootstrap resolves no virtual packages (python3-cryptography needs one): lay the minimal base
# with it, then let apt inside the root install the rest.
mkdir -p "$CACHE/debs"
debootstrap --cache-dir="$CACHE/debs" --variant=minbase "$SUITE" "$TMP" "$MIRROR" >&2
# Services are never started inside the root; the network is the test's own empty namespace.
printf '#!/bin/sh\nexit 101\n' > "$TMP/usr/sbin/policy-rc.d"
chmod 0755 "$TMP/usr/sbin/policy-rc.d"
unshare --mount bash -euc '
  mount --make-rprivate /
  mount -t proc proc "$1/proc"
  mount --rbind /dev "$1/dev"
  cp /etc/resolv.conf "$1/etc/resolv.conf"
  chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive apt-get update -qq
  chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends $(echo "$2" | tr , " ")
  echo "en_US.UTF-8 UTF-8" > "$1/etc/locale.gen"
  chroot "$1" /usr/sbin/locale-gen
  chroot "$1" /usr/sbin/update-locale LANG=en_US.UTF-8
' bulwark-root "$TMP" "$PACKAGES" >&2
chroot "$TMP" apt-get clean
rm -f "$TMP"/var/log/*.log
echo "$SUITE $PACKAGES built $(date -u +%FT%TZ) in $(( $(date +%s) - start )) s" > "$TMP/.bulwark-root"
rm -rf "$ROOT"
mv "$TMP" "$ROOT"
trap - EXIT
# Roots built from an earlier package list are not used any more.
for old in "$CACHE"/rootfs-"$SUITE"-*; do
  [ "$old" = "$ROOT" ] || [ ! -f "$old/.bulwark-root" ] || rm -rf "$old"
done
echo "test root: built in $(( $(date +%s) - start )) s" >&2
echo "$ROOT"
