#!/usr/bin/env bash
# What each package holds and declares: the files where the units and the manager's defaults look
# for them, maintainer scripts that create the users, a host that installs only the agent gets no
# manager, and nothing the build installs is left out of every package.
#   deb_contents_test.sh DEBS_DIR BUILD_DIR
DEBS_DIR=$1
build_dir=$2
# shellcheck source=tests/packaging/lib.sh
source "$(dirname "$0")/lib.sh"
make_work_dir

manager=$(deb_of corral-manager)
agent=$(deb_of corral-agent)
cli=$(deb_of corralctl)
sdk=$(deb_of corral-sdk)

files=$(dpkg-deb -c "$manager")
for f in usr/bin/corral-manager usr/bin/corral-plugin-host usr/lib/corral/plugins/corral-provider-local.so \
    usr/lib/systemd/system/corral-manager.service usr/lib/sysusers.d/corral.conf usr/lib/tmpfiles.d/corral.conf \
    etc/corral/manager.yaml; do
    expect_line "$files" " \./$f\$" "corral-manager lacks /$f"
done
# The plugin loader refuses a plugin directory others may write or that is not root's.
expect_line "$files" '^drwxr-xr-x root/root .* \./usr/lib/corral/plugins/$' "the plugin directory is not root's 0755"
expect_no_line "$files" '\./usr/bin/corral-agent$' "corral-manager ships the agent"

files=$(dpkg-deb -c "$agent")
expect_line "$files" ' \./usr/bin/corral-agent$' "corral-agent lacks its binary"
expect_line "$files" ' \./usr/lib/systemd/system/corral-agent\.service$' "corral-agent lacks its unit"
expect_no_line "$files" 'corral-manager|corral-plugin-host|/plugins/|sysusers|tmpfiles|corralctl' \
    "a host that installs only the agent gets the manager's files"

expect_line "$(dpkg-deb -c "$cli")" ' \./usr/bin/corralctl$' "corralctl lacks its binary"
files=$(dpkg-deb -c "$sdk")
expect_line "$files" ' \./usr/include/corral/plugin_abi\.h$' "corral-sdk lacks the ABI header"
expect_line "$files" ' \./usr/lib/cmake/CorralSDK/CorralSDKConfig\.cmake$' "corral-sdk lacks its CMake package"
expect_no_line "$files" 'corral-manager|corral-agent' "corral-sdk ships a service"

# Every unit starts a binary its own package ships.
for pkg in "$manager" "$agent"; do
    dpkg-deb -x "$pkg" "$WORK/root"
done
for unit in corral-manager corral-agent; do
    exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$WORK/root/usr/lib/systemd/system/$unit.service")
    [[ -x $WORK/root$exec_path ]] || fail "$unit.service starts $exec_path, which its package does not ship"
done

# The manager's postinst creates the users from the packaged sysusers file, with a fallback; its
# conffile is the config the unit names.
control=$(dpkg-deb -I "$manager")
expect_line "$control" '^ *[0-9]+ bytes, +[0-9]+ lines +\* +postinst ' "corral-manager has no executable postinst"
for script in prerm postrm; do
    expect_line "$control" " \* +$script " "corral-manager has no $script"
done
postinst=$(dpkg-deb -I "$manager" postinst)
expect_line "$postinst" '^ *systemd-sysusers .*corral\.conf$' "the postinst does not run systemd-sysusers"
expect_line "$postinst" 'useradd .*--system' "the postinst has no fallback without systemd-sysusers"
expect_line "$postinst" '^ *systemd-tmpfiles .*--create corral\.conf$' "the postinst does not create the data directory"
expect_line "$(dpkg-deb -I "$manager" conffiles)" '^/etc/corral/manager\.yaml$' "manager.yaml is not a conffile"
expect_line "$(dpkg-deb -I "$agent" prerm)" 'deb-systemd-invoke stop corral-agent\.service' \
    "removing corral-agent does not stop it"

# Depends come from the binaries' libraries (dpkg-shlibdeps), plus what they load at run time.
depends=$(dpkg-deb -f "$manager" Depends)
expect_line "$depends" 'libc6 \(>=' "corral-manager's Depends lack the shared libraries"
expect_line "$depends" 'libwebsockets-evlib-ev' "corral-manager does not depend on lws's libev event library"
expect_no_line "$(dpkg-deb -f "$agent" Depends)" 'corral-' "corral-agent depends on another Corral package"

# An install rule without a component would land in none of the packages.
mkdir -p "$WORK/unspecified"
DESTDIR="$WORK/unspecified" cmake --install "$build_dir" --component Unspecified --prefix /usr >/dev/null
stray=$(find "$WORK/unspecified" -type f -printf '/%P\n' 2>/dev/null)
[[ -z $stray ]] || fail "installed by no package (give the install rule a component):"$'\n'"$stray"
echo "packages hold what they declare"
