#!/usr/bin/env bash
# Fallback when the image's python3 lacks moto: Debian trixie's python3-moto (arch: all) installs on bookworm's own
# dependencies. Only used by .ci/run on machines without moto.
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-boto3 python3-botocore python3-flask python3-flask-cors \
  python3-werkzeug python3-responses python3-xmltodict python3-yaml python3-jinja2 python3-cryptography \
  python3-dateutil python3-requests python3-antlr4 >/dev/null
work=$(mktemp -d)
mkdir -p "$work/lists/partial"
cat >"$work/trixie.list" <<LIST
deb http://deb.debian.org/debian trixie main
LIST
apt-get -o Dir::Etc::sourcelist="$work/trixie.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$work/lists" update -qq
(cd "$work" && apt-get -o Dir::Etc::sourcelist="$work/trixie.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$work/lists" download python3-moto)
dpkg -i "$work"/python3-moto_*.deb
