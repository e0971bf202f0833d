#!/usr/bin/env bash
# Every GPU figure in one sitting, on a machine with no JDK and no Maven: run from the root of an
# unpacked bundle (docs/gpu-tornadovm.md, "Measuring on a GPU in one sitting"):
#   jre/          a Java 25 runtime (jlink)            lib/      grokcap's jars with grokcap-tornado and dependencies
#   tornado-sdk/  a TornadoVM SDK (tornado-argfile.template)   conf/  the repository's conf/
#   scripts/      this script and pytorch_modular_epoch.py     native/  optional: libOpenCL.so.1 if the machine lacks it
#
#   OUT=/some/dir bash scripts/device-bench.sh
#
# Every step runs with its own timeout and whatever happens goes on to the next. Each JSON line a step
# prints is appended to $OUT/results.jsonl with "step" added in front, followed by one status line
# {"step":..,"rc":..,"seconds":..}; stdout and stderr go to $OUT/log.txt.
#
# Environment (all optional):
#   OUT              where results go (default ./out)
#   BENCH_QUICK=1    a smoke test: one or two epochs everywhere, few models (proves every command runs)
#   BENCH_BUDGET_S   seconds for the whole script (default 540); a step gets at most what is left
#   THREADS          CPU threads for grokcap and PyTorch (default: all cores)
#   MODELS           K for the batched PyTorch epoch, the cpu population bench and the tornado one timed
#                    together only (default 40)
#   TORNADO_MODELS   K for bench modular-addition --models on the tornado backend (default 8)
#   PYTORCH_DEVICE   cuda (default) or cpu; the --cuda-graph steps need cuda
#   PYTHON           the python with PyTorch (default python3)
#   JAVA_OPTS        extra JVM options (e.g. -Xmx16g)
#   OPENCL_DRIVER    the OpenCL driver library the loader should use (default: libnvidia-opencl.so.1 when
#                    /etc/OpenCL/vendors has no nvidia.icd and OCL_ICD_VENDORS is unset)
#   SKIP_<STEP>=1    skip a step: SKIP_INFO, SKIP_TORNADO_MODADD, SKIP_MATMUL, SKIP_TORNADO_GPT2,
#                    SKIP_TORCH_EAGER, SKIP_TORCH_GRAPH, SKIP_TORCH_CHECK, SKIP_TORCH_BATCHED_EAGER,
#                    SKIP_TORCH_BATCHED_GRAPH, SKIP_TORNADO_MODELS_TOGETHER, SKIP_TORNADO_MODELS, SKIP_CPU_MODELS
#   <STEP>_TIMEOUT   seconds for one step (defaults below)
set -u
ROOT="$(pwd)"
OUT="${OUT:-$ROOT/out}"
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
LOG="$OUT/log.txt"
START=$SECONDS
BUDGET="${BENCH_BUDGET_S:-540}"
QUICK="${BENCH_QUICK:-0}"
THREADS="${THREADS:-$(nproc)}"
PYTHON="${PYTHON:-python3}"
PYTORCH_DEVICE="${PYTORCH_DEVICE:-cuda}"
JAVA="$ROOT/jre/bin/java"
SDK="$ROOT/tornado-sdk"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT

log() { printf '%s\n' "$*" >> "$LOG"; }
json_string() { # a JSON string literal of $1 (backslashes, quotes and control characters escaped)
  printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\010\013-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr '\n\t' '  ')"
}

# Epochs and sizes: the full run, or a smoke test that only proves each command line runs.
if [ "$QUICK" = 1 ]; then
  MODELS="${MODELS:-4}"
  GROKCAP_EPOCHS=(--warmup 1 --epochs 1)
  MATMUL_MS=1
  TORCH_EPOCHS=(--warmup 3 --epochs 2)      # --cuda-graph needs 3 warm-up epochs
  CHECK_EPOCHS=(--warmup 3 --epochs 2)
  CPU_MODELS_EPOCHS=(--warmup 1 --epochs 1)
  TORNADO_MODELS_EPOCHS=(--warmup 1 --epochs 1)
else
  MODELS="${MODELS:-40}"
  GROKCAP_EPOCHS=()                         # the CLI's defaults: 30 warm-up + 100 timed
  MATMUL_MS=60
  TORCH_EPOCHS=(--warmup 30 --epochs 100)
  CHECK_EPOCHS=(--warmup 5 --epochs 20)
  CPU_MODELS_EPOCHS=(--warmup 5 --epochs 20)  # 40 models one after another, then together
  TORNADO_MODELS_EPOCHS=(--warmup 5 --epochs 20)
fi
# K for the tornado population bench: one after another builds (and compiles) a device per model
TORNADO_MODELS="${TORNADO_MODELS:-$([ "$QUICK" = 1 ] && echo 2 || echo 8)}"

# TornadoVM's JVM flags: the SDK's argfile, written from the template an SDK archive ships.
ARGFILE="$SCRATCH/tornado-argfile"
if [ -f "$SDK/tornado-argfile.template" ]; then
  sed "s|\${TORNADOVM_HOME}|$SDK|g" "$SDK/tornado-argfile.template" > "$ARGFILE"
elif [ -f "$SDK/tornado-argfile" ]; then
  cp "$SDK/tornado-argfile" "$ARGFILE"
else
  log "warning: $SDK has neither tornado-argfile.template nor tornado-argfile; the tornado steps will fail"
fi
export TORNADOVM_HOME="$SDK"

# The OpenCL loader finds NVIDIA's driver through an .icd file; a machine without one in
# /etc/OpenCL/vendors gets a one-line nvidia.icd naming libnvidia-opencl.so.1.
if [ -n "${OPENCL_DRIVER:-}" ] || { [ -z "${OCL_ICD_VENDORS:-}" ] && [ ! -e /etc/OpenCL/vendors/nvidia.icd ]; }; then
  NV="${OPENCL_DRIVER:-}"
  [ -n "$NV" ] || NV="$( (ldconfig -p 2>/dev/null | grep -o '/[^ ]*libnvidia-opencl\.so\.1$'; \
          ls /usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.1 /usr/lib64/libnvidia-opencl.so.1 \
             /usr/local/nvidia/lib64/libnvidia-opencl.so.1 /usr/lib/nvidia/libnvidia-opencl.so.1 2>/dev/null) | head -1)"
  if [ -n "$NV" ]; then
    mkdir -p "$SCRATCH/vendors"
    echo "$NV" > "$SCRATCH/vendors/nvidia.icd"
    export OCL_ICD_VENDORS="$SCRATCH/vendors"
    log "OCL_ICD_VENDORS: an .icd naming $NV"
  else
    log "no libnvidia-opencl.so.1 found; OpenCL sees what /etc/OpenCL/vendors lists"
  fi
fi
# A machine without the OpenCL loader itself: the bundle may carry libOpenCL.so.1 in native/.
if [ -d "$ROOT/native" ]; then
  export LD_LIBRARY_PATH="$ROOT/native${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

# grokcap's CLI as ./grokcap starts it, from lib/: the cpu class path leaves grokcap-tornado out,
# the tornado one adds it and the SDK's flags.
CPU_CP=""
TORNADO_CP=""
for j in "$ROOT"/lib/*.jar; do
  TORNADO_CP="${TORNADO_CP:+$TORNADO_CP:}$j"
  case "$(basename "$j")" in grokcap-tornado-*) ;; *) CPU_CP="${CPU_CP:+$CPU_CP:}$j" ;; esac
done
JVM=("$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true
     -Dgrokcap.home="$ROOT")
GROKCAP_CPU=("${JVM[@]}" ${JAVA_OPTS:-} -cp "$CPU_CP" org.grokcap.cli.Main)
GROKCAP_TORNADO=("${JVM[@]}" "@$ARGFILE" -Dtornado.recover.bailout=False ${JAVA_OPTS:-} -cp "$TORNADO_CP" org.grokcap.cli.Main)
TORCH=("$PYTHON" "$ROOT/scripts/pytorch_modular_epoch.py" --threads "$THREADS" --device "$PYTORCH_DEVICE")
GRAPH=()
[ "$PYTORCH_DEVICE" = cuda ] && GRAPH=(--cuda-graph)

# step NAME TIMEOUT COMMAND...: runs unless SKIP_NAME=1, within TIMEOUT (or NAME_TIMEOUT) seconds and
# what is left of the budget; never stops the script.
step() {
  local name="$1" limit="$2"; shift 2
  local skip="SKIP_$name" own="${name}_TIMEOUT"
  limit="${!own:-$limit}"
  if [ "${!skip:-0}" = 1 ]; then
    printf '{"step":"%s","skipped":"SKIP_%s"}\n' "$name" "$name" >> "$RESULTS"
    return 0
  fi
  local left=$((BUDGET - (SECONDS - START)))
  if [ "$left" -lt 15 ]; then
    printf '{"step":"%s","skipped":"budget of %s s spent"}\n' "$name" "$BUDGET" >> "$RESULTS"
    return 0
  fi
  [ "$limit" -gt "$left" ] && limit="$left"
  log ""
  log "=== $name ($(date -u +%H:%M:%S), timeout ${limit}s): $*"
  local t0=$SECONDS rc
  timeout -k 10 "$limit" "$@" > "$SCRATCH/stdout" 2> "$SCRATCH/stderr"
  rc=$?
  cat "$SCRATCH/stdout" "$SCRATCH/stderr" >> "$LOG"
  grep '^{' "$SCRATCH/stdout" | sed "s/^{/{\"step\":\"$name\",/" >> "$RESULTS"
  local status
  status="{\"step\":\"$name\",\"rc\":$rc,\"seconds\":$((SECONDS - t0))"
  [ "$rc" = 124 ] || [ "$rc" = 137 ] && status="$status,\"timed_out\":true"
  if [ "$rc" != 0 ]; then
    status="$status,\"last_stderr\":$(json_string "$(grep -v '^[[:space:]]*$' "$SCRATCH/stderr" | tail -1)")"
  fi
  echo "$status}" >> "$RESULTS"
  echo "$name: rc $rc, $((SECONDS - t0)) s" >&2
}

# The machine, first.
{
  printf '{"step":"machine","date":%s,"nproc":%s,"quick":%s' "$(json_string "$(date -u +%FT%TZ)")" "$(nproc)" \
    "$([ "$QUICK" = 1 ] && echo true || echo false)"
  if command -v nvidia-smi > /dev/null; then
    printf ',"gpu":%s' "$(json_string "$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)")"
  fi
  printf ',"java":%s' "$(json_string "$("$JAVA" -version 2>&1 | head -1)")"
  echo "}"
} >> "$RESULTS"
command -v nvidia-smi > /dev/null && nvidia-smi >> "$LOG" 2>&1

step INFO 90 "${GROKCAP_TORNADO[@]}" info
step TORNADO_MODADD 180 "${GROKCAP_TORNADO[@]}" bench modular-addition --backend tornado --threads "$THREADS" ${GROKCAP_EPOCHS[@]+"${GROKCAP_EPOCHS[@]}"}
# the tornado backend's matmul (forward, weight and input gradients) on the shipped models' shapes
step MATMUL 120 "${GROKCAP_TORNADO[@]}" bench matmul --backend tornado --threads "$THREADS" --ms "$MATMUL_MS"
step TORNADO_GPT2 180 "${GROKCAP_TORNADO[@]}" bench gpt2-small-cpu --backend tornado --threads "$THREADS" ${GROKCAP_EPOCHS[@]+"${GROKCAP_EPOCHS[@]}"}
step TORCH_EAGER 90 "${TORCH[@]}" ${TORCH_EPOCHS[@]+"${TORCH_EPOCHS[@]}"}
step TORCH_GRAPH 90 "${TORCH[@]}" --cuda-graph ${TORCH_EPOCHS[@]+"${TORCH_EPOCHS[@]}"}
# each of 2 copies, batched (in a graph on cuda), against the same copy trained alone: exit 1 if not equal
step TORCH_CHECK 90 "${TORCH[@]}" ${GRAPH[@]+"${GRAPH[@]}"} --check --models 2 ${CHECK_EPOCHS[@]+"${CHECK_EPOCHS[@]}"}
step TORCH_BATCHED_EAGER 120 "${TORCH[@]}" --models "$MODELS" ${TORCH_EPOCHS[@]+"${TORCH_EPOCHS[@]}"}
step TORCH_BATCHED_GRAPH 120 "${TORCH[@]}" --cuda-graph --models "$MODELS" ${TORCH_EPOCHS[@]+"${TORCH_EPOCHS[@]}"}
# the target: MODELS (40) models in lockstep on one tornado device, beside PyTorch's batched pass above
step TORNADO_MODELS_TOGETHER 120 "${GROKCAP_TORNADO[@]}" bench modular-addition --backend tornado --models "$MODELS" --together-only --threads "$THREADS" ${TORNADO_MODELS_EPOCHS[@]+"${TORNADO_MODELS_EPOCHS[@]}"}
# K models in lockstep on one tornado device against the same K one after another
step TORNADO_MODELS 150 "${GROKCAP_TORNADO[@]}" bench modular-addition --backend tornado --models "$TORNADO_MODELS" --threads "$THREADS" ${TORNADO_MODELS_EPOCHS[@]+"${TORNADO_MODELS_EPOCHS[@]}"}
step CPU_MODELS 180 "${GROKCAP_CPU[@]}" bench modular-addition --backend cpu --models "$MODELS" --threads "$THREADS" ${CPU_MODELS_EPOCHS[@]+"${CPU_MODELS_EPOCHS[@]}"}

echo "{\"step\":\"done\",\"seconds\":$((SECONDS - START))}" >> "$RESULTS"
echo "device-bench: $((SECONDS - START)) s; results in $RESULTS, log in $LOG" >&2
