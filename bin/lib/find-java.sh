# Sourced by the scripts in bin/: find_java prints the first JDK >= 25 among $JAVA_HOME, `java` on
# PATH and the usual install directories, or fails.

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

find_java() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for dir in /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/*; do
    [ -x "$dir/bin/java" ] && candidates+=("$dir/bin/java")
  done
  local candidate major
  for candidate in "${candidates[@]}"; do
    major="$(java_major "$candidate" || true)"
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
