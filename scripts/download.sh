#!/usr/bin/env bash
# Fetches datasets from their canonical sources into the folders the readers and training tools
# expect: DIR/mnist (through scripts/get_mnist.sh), DIR/svhn (format 2: train_32x32.mat,
# test_32x32.mat, with --svhn-extra also extra_32x32.mat) and DIR/cifar10 (the binary version,
# unpacked: data_batch_1.bin .. data_batch_5.bin, test_batch.bin, batches.meta.txt).
#
#   scripts/download.sh [--data-dir DIR] [--svhn-extra] mnist|svhn|cifar10 ...
#
# DIR is `datasets` by default. Downloads resume where an interrupted one stopped (curl -C -,
# into <file>.partial) and every file is checked against the MD5 its source publishes, listed in
# scripts/checksums/<dataset>.md5, before it takes its real name. Files already there and
# verified are left alone, so a file placed by hand counts as downloaded. Without a network the
# script says so and names the files to place by hand, with their sources and checksums.
#
# CURL in the environment names another command to run in curl's place, and SSGAN_CHECKSUMS
# another folder of checksum lists (the tests use both).

set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly script_dir
readonly checksum_dir="${SSGAN_CHECKSUMS:-$script_dir/checksums}"
curl_cmd="${CURL:-curl}"

readonly svhn_url="http://ufldl.stanford.edu/housenumbers"
readonly cifar10_url="https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
readonly cifar10_archive="cifar-10-binary.tar.gz"
readonly cifar10_files=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin
                        data_batch_5.bin test_batch.bin batches.meta.txt)

say() { printf 'download: %s\n' "$*"; }
fail() { printf 'download: error: %s\n' "$*" >&2; exit 1; }

usage() {
    cat >&2 <<'EOF'
usage: scripts/download.sh [--data-dir DIR] [--svhn-extra] mnist|svhn|cifar10 ...
Fetches each dataset into DIR/<dataset> (DIR: datasets), resumably, checking every file's MD5.
EOF
    exit 2
}

data_dir="datasets"
svhn_extra=false
datasets=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --data-dir) [[ $# -ge 2 ]] || usage; data_dir="$2"; shift 2 ;;
        --data-dir=*) data_dir="${1#--data-dir=}"; shift ;;
        --svhn-extra) svhn_extra=true; shift ;;
        -h|--help) usage ;;
        mnist|svhn|cifar10) datasets+=("$1"); shift ;;
        *) printf 'download: unknown dataset or option "%s" (datasets: mnist, svhn, cifar10)\n' \
               "$1" >&2
           usage ;;
    esac
done
[[ ${#datasets[@]} -gt 0 ]] || usage
command -v md5sum >/dev/null || fail "md5sum not found (Debian package coreutils)"
mkdir -p "$data_dir" || fail "cannot create the folder $data_dir"

# The files that could not be fetched, as "path|url|md5" lines, and why.
unreachable=()
network_reason=""

expected_md5() {
    local list="$checksum_dir/$1.md5" sum
    [[ -r "$list" ]] || fail "cannot read the checksum list $list"
    sum="$(awk -v name="$2" '$2 == name { print $1 }' "$list")"
    [[ -n "$sum" ]] || fail "$list has no line for $2"
    printf '%s' "$sum"
}

md5_of() { md5sum -- "$1" | cut -d' ' -f1; }

# fetch DATASET URL PATH: leaves PATH verified, or records it as unreachable and returns 1.
# The download goes to PATH.partial, which a later run continues; a finished file whose MD5
# is wrong is moved to PATH.rejected, so the next run starts afresh.
fetch() {
    local dataset="$1" url="$2" path="$3" expected status=0 found
    expected="$(expected_md5 "$dataset" "$(basename "$path")")"
    if [[ -f "$path" ]]; then
        found="$(md5_of "$path")"
        if [[ "$found" == "$expected" ]]; then
            say "$path: present, MD5 verified"
            return 0
        fi
        say "$path: MD5 $found, expected $expected; moving it to $path.rejected"
        mv -f -- "$path" "$path.rejected"
    fi

    if [[ -f "$path.partial" ]]; then
        say "$path: resuming at byte $(stat -c %s -- "$path.partial") from $url"
    else
        say "$path: fetching $url"
    fi
    "$curl_cmd" --fail --location --silent --show-error --connect-timeout 20 --retry 2 \
        -C - -o "$path.partial" "$url" 2>"$path.curl-error" || status=$?
    if [[ $status -ne 0 ]]; then
        local reason
        reason="$(tail -n 1 "$path.curl-error")"
        rm -f -- "$path.curl-error"
        case $status in
            5|6|7|28|35|52|56)
                # No name resolution, no connection, a timeout, a dropped connection: no network.
                network_reason="${reason:-curl exit status $status}"
                unreachable+=("$path|$url|$expected")
                return 1 ;;
            *) fail "$url: curl failed (exit status $status: $reason); rerun to resume" ;;
        esac
    fi
    rm -f -- "$path.curl-error"

    found="$(md5_of "$path.partial")"
    if [[ "$found" != "$expected" ]]; then
        mv -f -- "$path.partial" "$path.rejected"
        fail "$path: downloaded, but its MD5 is $found, expected $expected (moved to" \
             "$path.rejected; rerun to fetch it again)"
    fi
    mv -f -- "$path.partial" "$path"
    say "$path: MD5 verified"
}

get_svhn() {
    local dir="$data_dir/svhn" name names=(train_32x32.mat test_32x32.mat)
    mkdir -p "$dir"
    if $svhn_extra; then
        names+=(extra_32x32.mat)
    fi
    for name in "${names[@]}"; do
        fetch svhn "$svhn_url/$name" "$dir/$name" || true
    done
}

# Unpacked batches are complete when each is a whole number of 3073-byte records; the reader
# checks the rest.
cifar10_unpacked() {
    local dir="$1" name size
    for name in "${cifar10_files[@]}"; do
        [[ -f "$dir/$name" ]] || return 1
        if [[ "$name" == *.bin ]]; then
            size="$(stat -c %s -- "$dir/$name")"
            [[ $size -gt 0 && $((size % 3073)) -eq 0 ]] || return 1
        fi
    done
}

get_cifar10() {
    local dir="$data_dir/cifar10" name staging
    mkdir -p "$dir"
    if cifar10_unpacked "$dir"; then
        say "$dir: the binary version is already unpacked"
        return 0
    fi
    fetch cifar10 "$cifar10_url" "$dir/$cifar10_archive" || return 0

    # Unpacked beside the target and moved in only when every file is there.
    staging="$(mktemp -d "$dir/.unpack.XXXXXX")"
    if ! tar -xzf "$dir/$cifar10_archive" -C "$staging"; then
        rm -rf -- "$staging"
        fail "$dir/$cifar10_archive: tar cannot unpack it"
    fi
    for name in "${cifar10_files[@]}"; do
        [[ -f "$staging/cifar-10-batches-bin/$name" ]] || {
            rm -rf -- "$staging"
            fail "$dir/$cifar10_archive: expected cifar-10-batches-bin/$name inside, found none"
        }
    done
    for name in "${cifar10_files[@]}"; do
        mv -f -- "$staging/cifar-10-batches-bin/$name" "$dir/$name"
    done
    rm -rf -- "$staging"
    rm -f -- "$dir/$cifar10_archive"
    say "$dir: unpacked ${cifar10_files[*]}"
}

failed_mnist=false
for dataset in "${datasets[@]}"; do
    case "$dataset" in
        mnist) "$script_dir/get_mnist.sh" "$data_dir/mnist" || failed_mnist=true ;;
        svhn) get_svhn ;;
        cifar10) get_cifar10 ;;
    esac
done

if [[ ${#unreachable[@]} -gt 0 ]]; then
    {
        printf 'download: no network: %s\n' "$network_reason"
        printf 'Place these files by hand (any copy whose MD5 matches) and run this again:\n'
        for entry in "${unreachable[@]}"; do
            IFS='|' read -r path url md5 <<<"$entry"
            printf '  %s\n      from %s\n      md5 %s\n' "$path" "$url" "$md5"
        done
        if [[ " ${datasets[*]} " == *" cifar10 "* ]]; then
            printf 'For CIFAR-10, the unpacked files (%s) in %s do as well.\n' \
                "${cifar10_files[*]}" "$data_dir/cifar10"
        fi
    } >&2
    exit 1
fi
if $failed_mnist; then
    exit 1
fi
say "done: ${datasets[*]} in $data_dir"
