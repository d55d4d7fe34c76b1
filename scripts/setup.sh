#!/usr/bin/env bash
# Installs the system packages nodesleuth builds against (Debian 12), only when missing.
# libsystemd-dev / libpcap-dev / libarchive-dev: the C libraries behind the SystemdJournal, PcapFile
# and BundleArchive modules.
set -euo pipefail
need=()
pkg-config --exists libsystemd 2>/dev/null || need+=(libsystemd-dev)
pkg-config --exists libpcap 2>/dev/null || need+=(libpcap-dev)
pkg-config --exists libarchive 2>/dev/null || need+=(libarchive-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${need[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
