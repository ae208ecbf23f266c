#!/bin/sh
# copy-classpath.sh CLASSPATH_FILE CLASSES_DIR TARGET
# Copies every entry of a Maven-written classpath file (colon-separated absolute paths into the
# local Maven repository and module target folders) into TARGET/lib, and CLASSES_DIR into
# TARGET/classes, so that "java -cp TARGET/classes:TARGET/lib/*" runs what ./rtr runs.
# A folder entry (a module's target/classes) becomes a jar; a name already taken gets a prefix.
set -eu
cp_file="$1"
classes="$2"
target="$3"
mkdir -p "$target/lib" "$target/classes"
cp -R "$classes/." "$target/classes/"
n=0
tr ':' '\n' < "$cp_file" | while IFS= read -r entry; do
  [ -n "$entry" ] || continue
  n=$((n + 1))
  if [ -d "$entry" ]; then
    name="$(basename "$(dirname "$entry")")-$(basename "$entry").jar"
  else
    name="$(basename "$entry")"
  fi
  if [ -e "$target/lib/$name" ]; then
    name="$n-$name"
  fi
  if [ -d "$entry" ]; then
    jar cf "$target/lib/$name" -C "$entry" .
  elif [ -f "$entry" ]; then
    cp "$entry" "$target/lib/$name"
  else
    echo "copy-classpath: missing classpath entry $entry" >&2
    exit 1
  fi
done
