#!/usr/bin/env bash
# The module layering, checked on every #include: a module may include only its own headers
# and those of the modules it declares in CMakeLists.txt (pdlab_add_module ... DEPENDS).
#   core <- sim <- io <- study <- dist <- cli;  core <- estimation <- io
# Usage: layering_test.sh SOURCE_DIR
set -u
root=${1:?source dir}
declare -A allowed=(
  [core]="core"
  [estimation]="core estimation"
  [sim]="core sim"
  [io]="core sim estimation io"
  [study]="core sim estimation io study"
  [dist]="core sim estimation io study dist"
  [cli]="core sim estimation io study dist cli"
)
bad=0
for module in "${!allowed[@]}"; do
  for dir in "$root/include/pdlab/$module" "$root/src/$module"; do
    [ -d "$dir" ] || continue
    while IFS= read -r line; do
      file=${line%%:*}
      inc=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$line")
      case $inc in
        pdlab/version.hpp) continue ;;
        pdlab/*) target=${inc#pdlab/}; target=${target%%/*} ;;
        *) target=${inc%%/*} ;;
      esac
      ok=0
      for a in ${allowed[$module]}; do [ "$a" = "$target" ] && ok=1; done
      if [ $ok = 0 ]; then
        echo "layering: ${file#"$root"/} ($module) includes $inc ($target)"
        bad=1
      fi
    done < <(grep -rn '^#include "' "$dir" --include='*.hpp' --include='*.cpp')
  done
done
[ $bad = 0 ] && echo "layering: every include follows the declared module dependencies"
exit $bad
