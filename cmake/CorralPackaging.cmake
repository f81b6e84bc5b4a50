# Install rules for the system integration (systemd units, users, data directory, default config)
# and the CPack Debian packages: `cmake --build build --target package` (docs/packaging.md).
#
# One package per install component. The top-level CMakeLists.txt gives each directory's install
# rules their component, so a target installed in manager/ ships in corral-manager:
#   manager  corral-manager  corral-manager, corral-plugin-host, the plugins, units, users
#   agent    corral-agent    corral-agent and its unit: a session host installs only this
#   cli      corralctl       the admin command line, for any machine that reaches the API
#   sdk      corral-sdk      headers, CMake package, conformance runner, example plugin
#
# The units and the maintainer scripts name the packages' layout: /usr/bin, /usr/lib/corral/plugins
# (the manager's default plugins.dir, bin/../lib/corral/plugins), /etc/corral, /var/lib/corral.

set(_inst ${PROJECT_SOURCE_DIR}/installers)

# Relative to the prefix, not CMAKE_INSTALL_LIBDIR: systemd reads <prefix>/lib/..., never the
# multiarch directory.
install(FILES ${_inst}/systemd/corral-manager.service DESTINATION lib/systemd/system COMPONENT manager)
install(FILES ${_inst}/systemd/corral-sysusers.conf DESTINATION lib/sysusers.d RENAME corral.conf COMPONENT manager)
install(FILES ${_inst}/systemd/corral-tmpfiles.conf DESTINATION lib/tmpfiles.d RENAME corral.conf COMPONENT manager)
install(FILES ${_inst}/systemd/corral-agent.service DESTINATION lib/systemd/system COMPONENT agent)
# The unit passes --config /etc/corral/manager.yaml, so the file is where the unit says whatever
# the prefix; a conffile in the package (installers/deb/manager/conffiles).
install(FILES ${_inst}/config/manager.yaml DESTINATION /etc/corral COMPONENT manager)

set(CPACK_PACKAGE_NAME corral)
set(CPACK_PACKAGE_VENDOR "Corral")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CORRAL_PACKAGE_MAINTAINER "Corral maintainers <maintainers@corral.invalid>"
    CACHE STRING "Maintainer field of the packages: Name <address>")
set(CPACK_PACKAGE_CONTACT "${CORRAL_PACKAGE_MAINTAINER}")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Packages ship stripped binaries; the build tree keeps the debug information.
set(CPACK_STRIP_FILES ON)
# Directories the staging tree creates follow the umask; the plugin loader refuses a plugin
# directory that group or others may write, so pin them.
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

set(CPACK_COMPONENTS_ALL manager agent cli sdk)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING IGNORE)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the libraries the binaries link (dpkg-shlibdeps, in dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Maintainer scripts 0755 and conffiles 0644 whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_MANAGER_PACKAGE_NAME corral-manager)
set(CPACK_DEBIAN_MANAGER_DESCRIPTION "Corral manager: coordinates session host agents and autoscales pools
corral-manager serves the REST API and the agents' mutually authenticated websockets, and loads
provider plugins, isolated in corral-plugin-host. The package creates the users corral (the
service) and corral-plugin (isolated plugins when the manager runs as root).")
# systemd-sysusers and systemd-tmpfiles, or useradd (passwd) where systemd is absent; lws loads
# its libev event library at run time, which dpkg-shlibdeps cannot see.
set(CPACK_DEBIAN_MANAGER_PACKAGE_DEPENDS "systemd | passwd, libwebsockets-evlib-ev")
set(CPACK_DEBIAN_MANAGER_PACKAGE_RECOMMENDS corralctl)
set(CPACK_DEBIAN_MANAGER_PACKAGE_CONTROL_EXTRA
    ${_inst}/deb/manager/postinst ${_inst}/deb/manager/prerm ${_inst}/deb/manager/postrm
    ${_inst}/deb/manager/conffiles)

set(CPACK_DEBIAN_AGENT_PACKAGE_NAME corral-agent)
set(CPACK_DEBIAN_AGENT_DESCRIPTION "Corral host agent: reports session capacity to a Corral manager
corral-agent enrolls once with a join token, then keeps a mutually authenticated websocket to
the manager, reports RDP and docker session capacity and obeys its commands.")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA
    ${_inst}/deb/agent/postinst ${_inst}/deb/agent/prerm ${_inst}/deb/agent/postrm)

set(CPACK_DEBIAN_CLI_PACKAGE_NAME corralctl)
set(CPACK_DEBIAN_CLI_DESCRIPTION "Corral admin command line
corralctl manages a Corral manager through its REST API: join tokens, agents, plugins, provider
configs and admin tokens.")

set(CPACK_DEBIAN_SDK_PACKAGE_NAME corral-sdk)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_SDK_DESCRIPTION "Corral provider plugin SDK
The C ABI header, the C++ helpers, the CMake package (find_package(CorralSDK)), the provider
conformance runner and an example plugin.")
# What CorralSDKConfig.cmake finds (find_dependency) and compiles the provider proto with.
set(CPACK_DEBIAN_SDK_PACKAGE_DEPENDS "libprotobuf-dev, protobuf-compiler, nlohmann-json3-dev, libboost-dev")
set(CPACK_DEBIAN_SDK_PACKAGE_RECOMMENDS cmake)

include(CPack)
