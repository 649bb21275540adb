# shellcheck shell=bash
# Sourced by the image scripts that build from Debian's source packages (bash).

# fetch_source PACKAGE downloads into the current folder
# the newest source package of PACKAGE that the archive's deb-src lines list and still serve,
# and prints its upstream tarball's name. A mirror snapshot can list a version whose files are
# already gone from its pool (sid moves fast, point releases replace security updates): then
# the next older version is taken.
fetch_source() {
    local package=$1 version tarball
    for version in $(apt-cache showsrc "$package" | sed -n 's/^Version: //p' | sort -ruV); do
        echo "== fetching the source of $package $version" >&2
        if apt-get -o Acquire::Check-Valid-Until=false source --download-only \
            "$package=$version" >fetch.log 2>&1; then
            for tarball in "$package"_*.orig.tar.*; do
                [ -e "$tarball" ] || continue # no match: the pattern itself
                case $tarball in *.asc) ;; *) echo "$tarball" && return 0 ;; esac
            done
            echo "== $package $version has no upstream tarball" >&2
            return 1
        fi
        echo "== $package $version is listed but cannot be fetched; trying an older one" >&2
        rm -f "$package"_*
    done
    cat fetch.log >&2
    echo "== no source of $package can be fetched: check the deb-src lines and the mirror" >&2
    return 1
}

# unpack_source TARBALL: extracts it and prints the folder it made.
unpack_source() {
    tar -xf "$1"
    tar -tf "$1" | head -n 1 | cut -d/ -f1
}

# logged LOG COMMAND...: runs COMMAND with its output in LOG, and on failure shows LOG's end.
logged() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 || {
        tail -n 40 "$log"
        echo "== failed: $* (log: $PWD/$log)" >&2
        return 1
    }
}
