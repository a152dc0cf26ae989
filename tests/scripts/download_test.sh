#!/usr/bin/env bash
# Tests scripts/download.sh without the network: a stand-in for curl serves files from a local
# folder (honouring -C - by sending only the bytes after those already in the output file) or
# fails as curl fails without a network; the checksum lists are the test's own, for its files.
#
#   tests/scripts/download_test.sh SOURCE_DIR   (run in an empty scratch folder)

set -euo pipefail

source_dir="$(cd "$1" && pwd)"
download="$source_dir/scripts/download.sh"
scratch="$(pwd)/download-test"
rm -rf "$scratch"
mkdir -p "$scratch/server" "$scratch/checksums" "$scratch/bin"
failures=0

check() {
    local what="$1"
    shift
    if "$@"; then
        printf 'ok: %s\n' "$what"
    else
        printf 'FAILED: %s\n' "$what"
        failures=$((failures + 1))
    fi
}
contains() { grep -qF -- "$2" "$1"; }

# The served files and the checksum lists that name their MD5s.
head -c 300000 /dev/urandom >"$scratch/server/train_32x32.mat"
head -c 100000 /dev/urandom >"$scratch/server/test_32x32.mat"
mkdir -p "$scratch/archive/cifar-10-batches-bin"
for name in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
    head -c $((2 * 3073)) /dev/urandom >"$scratch/archive/cifar-10-batches-bin/$name.bin"
done
printf 'airplane\n' >"$scratch/archive/cifar-10-batches-bin/batches.meta.txt"
tar -czf "$scratch/server/cifar-10-binary.tar.gz" -C "$scratch/archive" cifar-10-batches-bin
(cd "$scratch/server" && md5sum train_32x32.mat test_32x32.mat) >"$scratch/checksums/svhn.md5"
(cd "$scratch/server" && md5sum cifar-10-binary.tar.gz) >"$scratch/checksums/cifar10.md5"

# curl as download.sh calls it: ... -C - -o OUTPUT URL. FAKE_CURL_MODE: serve, offline, or
# cut (serve only the first 1000 bytes, then fail as a dropped connection does).
cat >"$scratch/bin/curl" <<'EOF'
#!/usr/bin/env bash
output="" url="" resume=false
while [[ $# -gt 0 ]]; do
    case "$1" in
        -o) output="$2"; shift 2 ;;
        -C) resume=true; shift 2 ;;
        --connect-timeout|--retry) shift 2 ;;
        -*) shift ;;
        *) url="$1"; shift ;;
    esac
done
printf '%s %s\n' "$resume" "$url" >>"$FAKE_CURL_LOG"
case "$FAKE_CURL_MODE" in
    offline) echo "curl: (6) Could not resolve host: example.invalid" >&2; exit 6 ;;
esac
served="$FAKE_SERVER/$(basename "$url")"
offset=0
if $resume && [[ -f "$output" ]]; then
    offset=$(stat -c %s "$output")
fi
if [[ "$FAKE_CURL_MODE" == cut ]]; then
    tail -c +$((offset + 1)) "$served" | head -c 1000 >>"$output"
    echo "curl: (56) Recv failure: Connection reset by peer" >&2
    exit 56
fi
tail -c +$((offset + 1)) "$served" >>"$output"
EOF
chmod +x "$scratch/bin/curl"

export CURL="$scratch/bin/curl" SSGAN_CHECKSUMS="$scratch/checksums"
export FAKE_SERVER="$scratch/server" FAKE_CURL_LOG="$scratch/curl.log"
run() { # run MODE LOG ARGS...: download.sh's exit status, its output in LOG
    local mode="$1" log="$2"
    shift 2
    local status=0
    FAKE_CURL_MODE="$mode" "$download" --data-dir "$scratch/data" "$@" >"$log" 2>&1 || status=$?
    return $status
}

# 1. Offline: a plain message naming every file to place by hand, with source and MD5.
status=0
run offline "$scratch/offline.log" svhn cifar10 || status=$?
check "offline: exit status 1" test "$status" -eq 1
check "offline: says there is no network" contains "$scratch/offline.log" "no network"
check "offline: names train_32x32.mat and its MD5" contains "$scratch/offline.log" \
    "$(cut -d' ' -f1 "$scratch/checksums/svhn.md5" | head -n 1)"
check "offline: names the CIFAR-10 source" contains "$scratch/offline.log" \
    "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
check "offline: leaves no file under a real name" test ! -e "$scratch/data/svhn/train_32x32.mat"

# 2. A dropped connection leaves a partial file; the next run resumes it with -C -.
: >"$FAKE_CURL_LOG"
status=0
run cut "$scratch/cut.log" svhn || status=$?
check "cut: exit status 1" test "$status" -eq 1
check "cut: 1000 bytes kept for resuming" \
    test "$(stat -c %s "$scratch/data/svhn/train_32x32.mat.partial")" -eq 1000
run serve "$scratch/resume.log" svhn
check "resume: continues at byte 1000" contains "$scratch/resume.log" "resuming at byte 1000"
check "resume: asks curl to continue (-C -)" contains "$FAKE_CURL_LOG" "true http://"
check "resume: the file is whole and verified" \
    cmp -s "$scratch/data/svhn/train_32x32.mat" "$scratch/server/train_32x32.mat"
check "resume: no partial file left" test ! -e "$scratch/data/svhn/train_32x32.mat.partial"

# 3. A second run fetches nothing; a corrupted file is set aside and fetched again.
: >"$FAKE_CURL_LOG"
run serve "$scratch/again.log" svhn
check "again: nothing fetched" test ! -s "$FAKE_CURL_LOG"
printf 'x' >>"$scratch/data/svhn/test_32x32.mat"
run serve "$scratch/corrupt.log" svhn
check "corrupt: moved aside" test -e "$scratch/data/svhn/test_32x32.mat.rejected"
check "corrupt: fetched again and verified" \
    cmp -s "$scratch/data/svhn/test_32x32.mat" "$scratch/server/test_32x32.mat"

# 4. CIFAR-10: the archive is verified, unpacked into the reader's layout and removed.
run serve "$scratch/cifar.log" cifar10
for name in data_batch_1.bin data_batch_5.bin test_batch.bin batches.meta.txt; do
    check "cifar10: $name unpacked" \
        cmp -s "$scratch/data/cifar10/$name" "$scratch/archive/cifar-10-batches-bin/$name"
done
check "cifar10: archive removed" test ! -e "$scratch/data/cifar10/cifar-10-binary.tar.gz"
run serve "$scratch/cifar-again.log" cifar10
check "cifar10: a second run sees it unpacked" contains "$scratch/cifar-again.log" \
    "already unpacked"

# 5. A download whose MD5 is wrong is refused and not given the real name.
rm -rf "$scratch/data/svhn"
printf 'y' >>"$scratch/server/test_32x32.mat"
status=0
run serve "$scratch/bad.log" svhn || status=$?
check "bad MD5: exit status 1" test "$status" -eq 1
check "bad MD5: says so" contains "$scratch/bad.log" "its MD5 is"
check "bad MD5: no file under the real name" test ! -e "$scratch/data/svhn/test_32x32.mat"

if [[ $failures -gt 0 ]]; then
    printf '%d checks failed\n' "$failures"
    exit 1
fi
printf 'all checks passed\n'
