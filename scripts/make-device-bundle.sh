#!/usr/bin/env bash
# Packs what scripts/device-bench.sh needs into one archive, for a GPU machine with no JDK and no Maven
# (docs/gpu-tornadovm.md, "Measuring on a GPU in one sitting"):
#
#   scripts/make-device-bundle.sh SDK [ARCHIVE]      (ARCHIVE default target/grokcap-bundle.tar.xz)
#
#   SDK         a TornadoVM SDK with the OpenCL backend for JDK 25, already built
#   JAVA_HOME   a JDK 25 with jlink (the Java the SDK was built for)
#   MVN_FLAGS   flags for Maven (default -B -q; add -o to build offline)
#
# The archive holds grokcap-bundle/ with jre/ (a jlink runtime), tornado-sdk/ (the SDK's runtime files
# only), lib/ (grokcap's jars, grokcap-tornado and their dependencies), conf/, scripts/ and, when this
# machine has one, native/libOpenCL.so.1 (the OpenCL loader). A device call carries at most 64 MiB.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 SDK [ARCHIVE]" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SDK="$(cd "$1" && pwd)" || { echo "error: SDK $1 is not a directory" >&2; exit 2; }
ARCHIVE="$(realpath -m "${2:-$ROOT/target/grokcap-bundle.tar.xz}")"
LIMIT_MIB=64
MVN_FLAGS="${MVN_FLAGS:--B -q}"
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/jlink" ] \
  || { echo "error: JAVA_HOME must name a JDK 25 with jlink (got '${JAVA_HOME:-}')" >&2; exit 2; }
[ -f "$SDK/tornado-argfile.template" ] || [ -f "$SDK/tornado-argfile" ] \
  || { echo "error: SDK $SDK has neither tornado-argfile.template nor tornado-argfile" >&2; exit 2; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
B="$WORK/grokcap-bundle"
mkdir -p "$B/lib" "$B/scripts" "$B/tornado-sdk/share/java/tornado" "$B/tornado-sdk/share/java/graalJars" "$B/tornado-sdk/lib"

echo "bundle: building grokcap with grokcap-tornado..." >&2
(cd "$ROOT" && TORNADOVM_HOME="$SDK" JAVA_HOME="$JAVA_HOME" mvn $MVN_FLAGS -DskipTests -pl grokcap-core,grokcap-tornado -am package)
(cd "$ROOT" && TORNADOVM_HOME="$SDK" JAVA_HOME="$JAVA_HOME" mvn $MVN_FLAGS -pl grokcap-core,grokcap-tornado \
   dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$B/lib")
for j in "$ROOT"/grokcap-core/target/grokcap-core-*.jar "$ROOT"/grokcap-tornado/target/grokcap-tornado-*.jar; do
  case "$j" in *-sources.jar|*-tests.jar|*-javadoc.jar) ;; *) cp "$j" "$B/lib/" ;; esac
done

echo "bundle: jlink runtime..." >&2
STRIP=()
command -v objcopy > /dev/null && STRIP=(--strip-native-debug-symbols "objcopy=$(command -v objcopy)")
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.desktop,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported,jdk.incubator.vector,jdk.internal.vm.ci,jdk.management \
  --strip-java-debug-attributes ${STRIP[@]+"${STRIP[@]}"} --no-man-pages --no-header-files --compress zip-9 --output "$B/jre"

echo "bundle: the SDK's runtime files..." >&2
# What the argfile's modules (tornado.runtime, tornado.drivers.opencl, the Graal compiler) require.
for j in tornado-api tornado-runtime tornado-drivers-common tornado-drivers-opencl tornado-annotation asm commons-math3 snmp4j; do
  cp "$SDK"/share/java/tornado/"$j"-[0-9]*.jar "$B/tornado-sdk/share/java/tornado/"
done
for j in compiler collections word truffle-compiler; do
  cp "$SDK"/share/java/graalJars/"$j"-[0-9]*.jar "$B/tornado-sdk/share/java/graalJars/"
done
cp "$SDK"/lib/libtornado-opencl.so "$B/tornado-sdk/lib/"
cp -r "$SDK/etc" "$B/tornado-sdk/"
if [ -f "$SDK/tornado-argfile.template" ]; then
  cp "$SDK/tornado-argfile.template" "$B/tornado-sdk/"
else # a local install has only the expanded argfile: turn its paths back into the placeholder
  sed "s|$SDK|\${TORNADOVM_HOME}|g" "$SDK/tornado-argfile" > "$B/tornado-sdk/tornado-argfile.template"
fi

cp -r "$ROOT/conf" "$B/conf"
cp "$ROOT/scripts/device-bench.sh" "$ROOT/scripts/pytorch_modular_epoch.py" "$B/scripts/"
LOADER="$(ldconfig -p 2>/dev/null | grep -o '/[^ ]*/libOpenCL\.so\.1$' | head -1 || true)"
if [ -n "$LOADER" ]; then
  mkdir -p "$B/native"
  cp -L "$LOADER" "$B/native/libOpenCL.so.1"
fi

echo "bundle: packing..." >&2
mkdir -p "$(dirname "$ARCHIVE")"
tar -C "$WORK" -cf - grokcap-bundle | xz -6 -T0 > "$ARCHIVE"
SIZE=$(stat -c %s "$ARCHIVE")
echo "bundle: $ARCHIVE, $((SIZE / 1024 / 1024)) MiB ($(du -sh "$B" | cut -f1) unpacked)" >&2
if [ "$SIZE" -gt $((LIMIT_MIB * 1024 * 1024)) ]; then
  echo "error: the bundle is over the $LIMIT_MIB MiB a device call carries" >&2
  exit 1
fi
