#!/usr/bin/env bash
# Vendor GOV.UK Frontend and HTMX into ccehub/common/static/ from pinned npm tarballs.
#
# Why vendored and committed: a fresh machine (a developer's, CI's, production's) must be
# able to serve every page without npm or network access, and a child's case record must
# not look or behave differently because an upstream package moved. The versions and the
# tarballs' sha512 integrity are pinned here; bump them together (see docs/frontend.md).
#
# Usage:
#   scripts/vendor-govuk-frontend.sh          # fetch, verify and (re)write the vendored files
#   scripts/vendor-govuk-frontend.sh --check  # fail if the committed files differ from the pins
#
# Needs: npm (only to fetch the tarballs: `npm pack` runs in a temporary directory, so no
# node_modules or package-lock is ever created in the repository), tar, sha512sum/openssl.
set -euo pipefail

GOVUK_FRONTEND_VERSION="5.14.0"
GOVUK_FRONTEND_INTEGRITY="sha512-MgfaXswIM6KpXS2T5gltEnzgVLgfM3UoE9+rYkhBiR0suaJ8Let31VZXQZqz9QhiPDbv28fW1nRjIyLujfZIBA=="
HTMX_VERSION="2.0.11"
HTMX_INTEGRITY="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATIC_DIR="${REPO_ROOT}/ccehub/common/static"

mode="write"
case "${1:-}" in
  "") ;;
  --check) mode="check" ;;
  -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
  *) echo "unknown argument: $1" >&2; exit 2 ;;
esac

command -v npm >/dev/null || { echo "npm is needed to fetch the packages" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

sri_sha512() {
  # Subresource-integrity form of a file's sha512, as npm records it.
  printf 'sha512-%s' "$(openssl dgst -sha512 -binary "$1" | base64 | tr -d '\n')"
}

# fetch NAME VERSION INTEGRITY -> prints the directory the tarball was unpacked into
fetch() {
  local name="$1" version="$2" integrity="$3" dir tarball actual
  dir="${work}/${name}"
  mkdir -p "$dir"
  # --ignore-scripts: never run package lifecycle scripts; cache in the temp dir so the
  # user's npm cache is not needed and nothing is written into the repository.
  (cd "$dir" && npm pack "${name}@${version}" --ignore-scripts --silent \
      --cache "${work}/npm-cache" >/dev/null)
  tarball="$(ls "$dir"/*.tgz)"
  actual="$(sri_sha512 "$tarball")"
  if [[ "$actual" != "$integrity" ]]; then
    echo "integrity mismatch for ${name}@${version}:" >&2
    echo "  expected ${integrity}" >&2
    echo "  got      ${actual}" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$dir"
  printf '%s' "${dir}/package"
}

# build OUT_DIR: lays out exactly the files that belong under ccehub/common/static/
build() {
  local out="$1" gf htmx
  gf="$(fetch govuk-frontend "$GOVUK_FRONTEND_VERSION" "$GOVUK_FRONTEND_INTEGRITY")"
  htmx="$(fetch htmx.org "$HTMX_VERSION" "$HTMX_INTEGRITY")"

  # --- GOV.UK Frontend -------------------------------------------------------------
  local dest="${out}/govuk"
  mkdir -p "$dest"
  # Fonts, images, favicons and the web app manifests (default and rebrand).
  cp -R "${gf}/dist/govuk/assets" "${dest}/assets"

  # The precompiled CSS refers to its fonts and images as url(/assets/...), which only
  # works if they are served from the site root. Make the URLs relative to the CSS file
  # so they resolve under STATIC_URL (and so ManifestStaticFilesStorage can hash them),
  # and drop the source-map comment: the map is not vendored, and a dangling
  # sourceMappingURL makes collectstatic with manifest storage fail.
  sed -e 's#url(/assets/#url(assets/#g' \
      -e 's#/\*\# sourceMappingURL=[^*]*\*/##' \
      "${gf}/dist/govuk/govuk-frontend.min.css" > "${dest}/govuk-frontend.min.css"
  if grep -q 'url(/' "${dest}/govuk-frontend.min.css"; then
    echo "govuk-frontend.min.css still has root-relative url()s; update the rewrite" >&2
    exit 1
  fi

  # The ES module bundle (exports initAll, createAll and each component class).
  sed -e 's#//\# sourceMappingURL=.*$##' \
      "${gf}/dist/govuk/govuk-frontend.min.js" > "${dest}/govuk-frontend.min.js"

  printf '%s\n' "$GOVUK_FRONTEND_VERSION" > "${dest}/VERSION"

  # --- HTMX --------------------------------------------------------------------------
  local vdest="${out}/vendor/htmx"
  mkdir -p "$vdest"
  cp "${htmx}/dist/htmx.min.js" "${vdest}/htmx.min.js"
  cp "${htmx}/LICENSE" "${vdest}/LICENSE"
  printf '%s\n' "$HTMX_VERSION" > "${vdest}/VERSION"
}

build "${work}/out"

if [[ "$mode" == "check" ]]; then
  status=0
  diff -r "${work}/out/govuk" "${STATIC_DIR}/govuk" || status=1
  diff -r "${work}/out/vendor/htmx" "${STATIC_DIR}/vendor/htmx" || status=1
  if [[ $status -ne 0 ]]; then
    echo "vendored front-end files differ from the pinned packages; run $0" >&2
    exit 1
  fi
  echo "vendored govuk-frontend ${GOVUK_FRONTEND_VERSION} and htmx.org ${HTMX_VERSION} match the pins"
  exit 0
fi

# Replace wholesale, so files dropped upstream do not linger.
rm -rf "${STATIC_DIR}/govuk" "${STATIC_DIR}/vendor/htmx"
mkdir -p "${STATIC_DIR}/vendor"
cp -R "${work}/out/govuk" "${STATIC_DIR}/govuk"
cp -R "${work}/out/vendor/htmx" "${STATIC_DIR}/vendor/htmx"
echo "vendored govuk-frontend ${GOVUK_FRONTEND_VERSION} -> ${STATIC_DIR#"${REPO_ROOT}/"}/govuk"
echo "vendored htmx.org ${HTMX_VERSION} -> ${STATIC_DIR#"${REPO_ROOT}/"}/vendor/htmx"
