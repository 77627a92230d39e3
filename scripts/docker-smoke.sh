#!/usr/bin/env bash
# Build the Briefbot image and smoke-test it on this machine.
#
# Steps (each reusing what an earlier run left, so CI pays the slow parts once):
#   1. docker: install Debian's docker.io if missing; start dockerd if none answers.
#   2. base image: python:3.12-slim when a registry answers, else a Debian bookworm
#      rootfs made with debootstrap and `docker import`ed (cached by tag). Either way a
#      thin layer adds this host's CA bundle for pip: the machine's egress is inspected
#      by a private CA, which belongs to this test setup and never to the Dockerfile.
#   3. docker build with --build-arg BASE_IMAGE=<that image>; print the image size.
#   4. `briefbot brief` on a seed article inside the container; check the output.
#   5. `briefbot run` with a fake token against the fake Discord server (run on the
#      host, container on --network host); check that /healthz says 503 and why.
# Cleans up the containers and fake server it started, and dockerd if it started it.
#
# Environment: BRIEFBOT_IMAGE (default briefbot:smoke), BRIEFBOT_SMOKE_FROM_HEAD=1 to
# build the committed tree (git archive HEAD) instead of the work tree (or
# BRIEFBOT_SMOKE_CONTEXT=DIR to build another tree), BRIEFBOT_SMOKE_KEEP_DOCKERD=1
# to leave a dockerd this script started running, BRIEFBOT_SMOKE_REBUILD_BASE=1 to
# rebuild the cached base image.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=${BRIEFBOT_IMAGE:-briefbot:smoke}
UPSTREAM_BASE=python:3.12-slim
DEBIAN_BASE=briefbot-base:bookworm          # debootstrapped stand-in for python:3.12-slim
TRUSTED_BASE_PREFIX=briefbot-base-trusted    # + host CA for pip (test plumbing only)
WORK=${BRIEFBOT_SMOKE_DIR:-/tmp/briefbot-smoke}
SEED=${BRIEFBOT_SMOKE_SEED:-us-south-korea-relations}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
T0=$(date +%s)

STARTED_DOCKERD_PID=""
FAKE_PID=""
CONTAINERS=()

log() { printf '[docker-smoke %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
die() { log "FAIL: $*"; exit 1; }

cleanup() {
    local rc=$?
    for c in "${CONTAINERS[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
    if [[ -n $FAKE_PID ]]; then kill "$FAKE_PID" 2>/dev/null || true; wait "$FAKE_PID" 2>/dev/null || true; fi
    if [[ -n $STARTED_DOCKERD_PID && -z ${BRIEFBOT_SMOKE_KEEP_DOCKERD:-} ]]; then
        log "stopping the dockerd this script started (pid $STARTED_DOCKERD_PID)"
        kill "$STARTED_DOCKERD_PID" 2>/dev/null || true
        for _ in $(seq 30); do kill -0 "$STARTED_DOCKERD_PID" 2>/dev/null || break; sleep 1; done
    fi
    log "done in $(( $(date +%s) - T0 ))s (exit $rc)"
    exit $rc
}
trap cleanup EXIT

# --- 1. docker ------------------------------------------------------------------
ensure_docker() {
    if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
        log "installing docker.io"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
    fi
    if docker info >/dev/null 2>&1; then
        log "dockerd already running"
        return
    fi
    mkdir -p "$WORK"
    log "starting dockerd (log: $WORK/dockerd.log)"
    dockerd >"$WORK/dockerd.log" 2>&1 &
    STARTED_DOCKERD_PID=$!
    for _ in $(seq 60); do
        if [[ -S /var/run/docker.sock ]] && docker info >/dev/null 2>&1; then return; fi
        kill -0 "$STARTED_DOCKERD_PID" 2>/dev/null || { tail -20 "$WORK/dockerd.log"; die "dockerd exited"; }
        sleep 1
    done
    tail -20 "$WORK/dockerd.log"
    die "dockerd did not answer within 60s"
}

# --- 2. base image --------------------------------------------------------------
debian_mirror() {
    # The first Debian URI apt is configured with (deb822 .sources or one-line lists).
    local uri
    uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
          | awk '{print $2}' | grep -v security | head -1 || true)
    if [[ -z $uri ]]; then
        uri=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
              | grep -i debian | grep -v security | awk '{print $2}' | head -1 || true)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

build_debian_base() {
    command -v debootstrap >/dev/null 2>&1 || {
        log "installing debootstrap"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    }
    local rootfs="$WORK/rootfs" mirror
    mirror=$(debian_mirror)
    rm -rf "$rootfs"; mkdir -p "$rootfs"
    log "debootstrap bookworm from $mirror (a few minutes, once)"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
        || { tail -30 "$WORK/debootstrap.log"; die "debootstrap failed"; }
    # Look like python:3.12-slim where the Dockerfile cares: `python` on PATH.
    ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
           "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
    log "importing rootfs as $DEBIAN_BASE"
    tar -C "$rootfs" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["python3"]' - "$DEBIAN_BASE" >/dev/null
    rm -rf "$rootfs"
}

choose_base() {
    # Prints the image to build on. Upstream when reachable, else the local Debian one.
    if docker image inspect "$UPSTREAM_BASE" >/dev/null 2>&1 \
       || timeout 60 docker pull -q "$UPSTREAM_BASE" >/dev/null 2>&1; then
        echo "$UPSTREAM_BASE"; return
    fi
    if [[ -n ${BRIEFBOT_SMOKE_REBUILD_BASE:-} ]] || ! docker image inspect "$DEBIAN_BASE" >/dev/null 2>&1; then
        log "no registry reachable for $UPSTREAM_BASE: building $DEBIAN_BASE" >&2
        build_debian_base >&2
    else
        log "reusing cached $DEBIAN_BASE" >&2
    fi
    echo "$DEBIAN_BASE"
}

trusted_base() {
    # $1 = base image. Adds the host CA bundle and a pip.conf naming it, tagged by the
    # bundle's hash so a changed bundle makes a new layer and an unchanged one is reused.
    local base=$1 bundle=/etc/ssl/certs/ca-certificates.crt sum tag ctx
    [[ -r $bundle ]] || { echo "$base"; return; }
    sum=$(cat "$bundle" <(docker image inspect -f '{{.Id}}' "$base") | sha256sum | cut -c1-12)
    tag="$TRUSTED_BASE_PREFIX:$sum"
    if ! docker image inspect "$tag" >/dev/null 2>&1; then
        ctx=$(mktemp -d)
        cp "$bundle" "$ctx/host-ca.crt"
        printf '[global]\ncert = /etc/ssl/host-ca.crt\n' >"$ctx/pip.conf"
        printf 'FROM %s\nCOPY host-ca.crt /etc/ssl/host-ca.crt\nCOPY pip.conf /etc/pip.conf\n' "$base" >"$ctx/Dockerfile"
        DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$ctx" >/dev/null 2>&1 || { rm -rf "$ctx"; die "could not add the host CA to $base"; }
        rm -rf "$ctx"
    fi
    echo "$tag"
}

# --- 3. build -------------------------------------------------------------------
build_image() {
    local base=$1 t context=${BRIEFBOT_SMOKE_CONTEXT:-$ROOT}
    t=$(date +%s)
    if [[ -n ${BRIEFBOT_SMOKE_FROM_HEAD:-} ]]; then
        # Build what is committed, not a work tree others are editing.
        context=$WORK/context
        rm -rf "$context"; mkdir -p "$context"
        git -C "$ROOT" archive HEAD | tar -x -C "$context"
    fi
    log "docker build $IMAGE (BASE_IMAGE=$base; context $context; log: $WORK/build.log)"
    # The legacy builder: Debian's docker.io ships no buildx plugin. --network host
    # because the build only needs the package registry and the host reaches it.
    DOCKER_BUILDKIT=0 docker build --network host --build-arg BASE_IMAGE="$base" \
        -t "$IMAGE" "$context" >"$WORK/build.log" 2>&1 \
        || { tail -40 "$WORK/build.log"; die "docker build failed"; }
    log "built in $(( $(date +%s) - t ))s"
    local bytes
    bytes=$(docker image inspect -f '{{.Size}}' "$IMAGE")
    log "IMAGE SIZE: $IMAGE = $(( bytes / 1024 / 1024 )) MiB ($bytes bytes)"
}

# --- 4. one-off brief -----------------------------------------------------------
check_image() {
    local uid tools
    uid=$(docker run --rm "$IMAGE" id -u)
    [[ $uid != 0 ]] || die "the container runs as root"
    tools=$(docker run --rm "$IMAGE" sh -c 'for t in gcc cc make; do command -v $t; done; ls /root/.cache/pip 2>/dev/null' || true)
    [[ -z $tools ]] || die "build tools or caches in the final image: $tools"
    log "image ok: runs as uid $uid; no compiler and no pip cache inside"
}

smoke_brief() {
    local out="$WORK/brief.txt"
    log "briefbot brief seeds/$SEED.txt in the container"
    docker run --rm --network none -v "$ROOT/seeds:/seeds:ro" "$IMAGE" \
        briefbot brief "/seeds/$SEED.txt" >"$out" 2>"$WORK/brief.err" \
        || { cat "$WORK/brief.err"; die "briefbot brief failed in the container"; }
    grep -q "US-South Korea Contemporary Relations" "$out" || { cat "$out"; die "headline missing from the brief"; }
    if grep -q "Comments are closed" "$out"; then cat "$out"; die "page furniture in the brief"; fi
    log "brief ok ($(wc -l <"$out") lines): $(head -1 "$out")"
}

# --- 5. health against the fake Discord server ----------------------------------
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

smoke_health() {
    local health_port name=briefbot-smoke-run-$$ body code api gateway
    health_port=$(free_port)
    # The Discord engineer's fake (tests/fakes/discord_server.py) in a small host process;
    # it prints its URLs, then serves until killed. Its bot token is not ours: the bot's
    # login is rejected with 401, which /healthz must report.
    (cd "$ROOT/tests" && exec "$PYTHON" -u -c '
import asyncio, json
from fakes.discord_server import FakeDiscord

async def main():
    fake = await FakeDiscord(token="the-real-token-is-not-this-one").start()
    print(json.dumps({"api": fake.api_url, "gateway": fake.gateway_url}), flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
') >"$WORK/fake-discord.out" 2>"$WORK/fake-discord.log" &
    FAKE_PID=$!
    for _ in $(seq 30); do
        [[ -s $WORK/fake-discord.out ]] && break
        kill -0 "$FAKE_PID" 2>/dev/null || { cat "$WORK/fake-discord.log"; die "fake Discord server exited"; }
        sleep 0.5
    done
    api=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["api"])' <"$WORK/fake-discord.out")
    gateway=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["gateway"])' <"$WORK/fake-discord.out")
    log "fake Discord server at $api"
    log "briefbot run with a rejected token (health on :$health_port)"
    CONTAINERS+=("$name")
    docker run -d --name "$name" --network host \
        -e DISCORD_TOKEN=MTIzNDU2Nzg5MDEyMzQ1Njc4OTA.GfAkEd.this-token-is-rejected-by-the-fake \
        -e DISCORD_API_URL="$api" -e DISCORD_GATEWAY_URL="$gateway" \
        -e HEALTH_PORT="$health_port" -e LOG_FORMAT=json \
        "$IMAGE" >/dev/null
    body=""; code=""
    for _ in $(seq 90); do
        code=$("$PYTHON" - "$health_port" "$WORK/healthz.json" <<'EOF' 2>/dev/null || true
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=3)
    code, body = r.status, r.read()
except urllib.error.HTTPError as e:
    code, body = e.code, e.read()
open(sys.argv[2], "wb").write(body)
print(code)
EOF
)
        [[ -n $code ]] && body=$(cat "$WORK/healthz.json")
        # Wait until Discord has been tried: a 503 whose reason names Discord's answer.
        if [[ $code == 503 ]] && grep -qiE 'token|401|unauthori' <<<"$body"; then break; fi
        if [[ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" != true ]]; then
            docker logs "$name" 2>&1 | tail -30; die "briefbot run exited instead of reporting through /healthz"
        fi
        sleep 1
    done
    docker logs "$name" >"$WORK/run.log" 2>&1 || true
    log "/healthz -> $code $body"
    [[ $code == 503 ]] || { tail -30 "$WORK/run.log"; die "/healthz did not answer 503"; }
    grep -qi 'discord' <<<"$body" || die "/healthz reason does not name Discord"
    grep -qiE 'token|401|unauthori[sz]ed' <<<"$body" || die "/healthz reason does not say the token was rejected"
    if grep -q 'this-token-is-rejected' "$WORK/run.log"; then die "the token appears in the container's logs"; fi
    log "health ok: 503 naming Discord and the rejected token; the token is not in the logs"
    local status
    status=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$name")
    log "docker health status: ${status:-none} (HEALTHCHECK runs every 30s after a 90s start period)"
    local t exit_code
    t=$(date +%s)
    docker stop -t 20 "$name" >/dev/null
    exit_code=$(docker inspect -f '{{.State.ExitCode}}' "$name")
    [[ $exit_code == 0 ]] || { docker logs "$name" 2>&1 | tail -20; die "docker stop: exit code $exit_code, not 0"; }
    log "docker stop: exit 0 after $(( $(date +%s) - t ))s (SIGTERM handled)"
}

main() {
    # Optional first argument: "base" or "build" stops after that step.
    mkdir -p "$WORK"
    ensure_docker
    local base
    base=$(choose_base)
    base=$(trusted_base "$base")
    log "base image: $base"
    [[ ${1:-} == base ]] && return
    build_image "$base"
    [[ ${1:-} == build ]] && return
    check_image
    smoke_brief
    smoke_health
    log "ALL OK"
}

main "$@"
