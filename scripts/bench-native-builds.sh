#!/usr/bin/env bash
# The bare forward pass (default backbone and MobileNetV2, nd4j ops vs DL4J layers, FLOP/s vs sgemm) under each
# nd4j-native build of linux-x86_64, one JVM per build, for docs/benchmarks.md. Each build is an 80-100 MB jar fetched
# from Maven Central on first use and unpacked (~380 MB) into ~/.javacpp/cache.
#
#   scripts/bench-native-builds.sh                          # all six builds
#   scripts/bench-native-builds.sh -onednn-avx2 -avx2       # some of them ("" = generic)
#   BENCH_OPTS="-Dbench.seconds=5" scripts/bench-native-builds.sh   # shorter
set -euo pipefail
cd "$(dirname "$0")/.."

builds=("$@")
[ ${#builds[@]} -gt 0 ] || builds=("" -avx2 -avx512 -onednn -onednn-avx2 -onednn-avx512)
grep -q avx512f /proc/cpuinfo || echo "note: this CPU has no AVX-512; the -avx512 builds will fail to load" >&2
for b in "${builds[@]}"; do
  echo "== nd4j.extension='$b' (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  # -am: the reactor resolves every module's nd4j-native with the overridden property
  mvn -ntp -q -pl demo -am verify -Pbenchmark -DskipTests -Dnd4j.extension="$b" \
      -Dbench.only=bare,flops -Dbench.peer=false ${BENCH_OPTS:-} 2>&1 \
    | grep -E '^\| (native build|bare|backbone)' | sort -u || echo "   (failed to run with '$b')"
done
