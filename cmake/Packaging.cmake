# Debian packages, made by CPack's DEB generator: one package per install component.
#
#   cpack --config build/ci/CPackConfig.cmake -B build/ci/packages
#
#   cohort-console  component console  /usr/bin/cohort-console (+ .desktop file and icon, when
#                                       resources/ has them)
#   cohort-node     component node     /usr/bin/cohort-node, its systemd unit, maintainer scripts
#                                       that make the cohort user, an example node.ini
#   cohortctl       component ctl      /usr/bin/cohortctl
#   cohort-agents   component agents   /usr/bin/cohort-agents
#
# Dependencies on shared libraries come from dpkg-shlibdeps; what the programs load as
# plugins at run time, which it cannot see, is listed by hand below. Translations are
# compiled into the programs. tests/package/ installs the packages on a fresh Debian 12
# root and runs them (CTest label "package").
include(GNUInstallDirs)

set(COHORT_PACKAGE_COMPONENTS console node ctl agents)

# --- What each package holds, besides the programs (install(TARGETS ... COMPONENT) in
# app/, node/, tools/ctl/ and tools/agents/).

# The node's systemd unit: deploy/cohort-node.service, where systemd looks for the units
# packages ship. deploy/ has ExecStart=/usr/bin/cohort-node, where the package puts the
# program; an install with another prefix (cmake --install --prefix /opt/cohort) gets its
# own path written in at install time, so the unit always runs the program installed with it.
install(CODE "
    set(cohort_unit_source [[${PROJECT_SOURCE_DIR}/deploy/cohort-node.service]])
    set(cohort_unit_bindir [[${CMAKE_INSTALL_BINDIR}]])
    include([[${CMAKE_CURRENT_LIST_DIR}/InstallSystemdUnit.cmake]])
" COMPONENT node)
install(FILES deploy/node.ini DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/cohort-node/examples COMPONENT node)

# The console's desktop entry and its icon are installed by resources/CMakeLists.txt
# (component console).

# --- CPack
execute_process(COMMAND dpkg --print-architecture OUTPUT_VARIABLE cohort_deb_architecture
                OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE cohort_dpkg_result ERROR_QUIET)
if(NOT cohort_dpkg_result EQUAL 0 OR NOT cohort_deb_architecture)
    message(STATUS "dpkg --print-architecture failed: cpack cannot make Debian packages on this machine")
    set(cohort_deb_architecture unknown)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cohort)
set(CPACK_PACKAGE_VENDOR Cohort)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# CPack 3.25 writes CPACK_PACKAGE_DESCRIPTION_SUMMARY above every component's description
# unless it is CPack's own default: with that default, each package's description below
# starts with its own one-line summary, as Debian policy has it.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_PACKAGE_CONTACT "Cohort maintainers <maintainers@users.noreply.r-seed-2f9a11b3.example>")
# The DEB generator installs each component with CMAKE_INSTALL_PREFIX set to this and
# DESTDIR to its staging folder, so the unit's ExecStart reads /usr/bin/cohort-node.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Stripped programs, as Debian ships them.
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL ${COHORT_PACKAGE_COMPONENTS})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING IGNORE) # one package per component

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # NAME_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${cohort_deb_architecture})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# The Qt SQL drivers are plugins (qt6/plugins/sqldrivers), loaded when a database is
# opened: dpkg-shlibdeps cannot see them. Every program that opens the database needs both.
set(cohort_sql_drivers "libqt6sql6-psql, libqt6sql6-sqlite")

set(CPACK_DEBIAN_CONSOLE_PACKAGE_NAME cohort-console)
set(CPACK_DEBIAN_CONSOLE_DESCRIPTION "Cohort console: the administrators' desktop application
Signs in to a Cohort cluster's database (PostgreSQL or SQLite) and shows its manager
nodes, agents, jobs, alerts, audit log and settings; administrators change them,
auditors only look.")
# The platform plugins (xcb, offscreen) come with libqt6gui6 in Debian 12, the TLS backend
# the console's node API calls use with libqt6network6 (which depends on libssl3). The
# console draws its own icons; the SVG icon engine serves icon themes that ship SVG only.
set(CPACK_DEBIAN_CONSOLE_PACKAGE_DEPENDS "${cohort_sql_drivers}")
set(CPACK_DEBIAN_CONSOLE_PACKAGE_RECOMMENDS "qt6-translations-l10n, fonts-noto-cjk")

set(CPACK_DEBIAN_NODE_PACKAGE_NAME cohort-node)
set(CPACK_DEBIAN_NODE_DESCRIPTION "Cohort manager node: the daemon, as a systemd service
One of the peer manager nodes that share a Cohort cluster's database: it heartbeats,
runs jobs from the shared pool, takes over the work of peers that die and serves the
node API over HTTPS. Runs as the system user cohort; configured in
/etc/cohort/node.ini (example in /usr/share/doc/cohort-node/examples).")
# adduser makes the cohort user in postinst; deb-systemd-helper and deb-systemd-invoke
# come with init-system-helpers, which is essential.
set(CPACK_DEBIAN_NODE_PACKAGE_DEPENDS "${cohort_sql_drivers}, adduser")
set(CPACK_DEBIAN_NODE_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/cohort-node/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/cohort-node/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/cohort-node/postrm)

set(CPACK_DEBIAN_CTL_PACKAGE_NAME cohortctl)
set(CPACK_DEBIAN_CTL_DESCRIPTION "Cohort administration command line
cohortctl creates a Cohort cluster and administers it: nodes, jobs, users, alerts,
settings, the audit log and the cluster's keys.")
set(CPACK_DEBIAN_CTL_PACKAGE_DEPENDS "${cohort_sql_drivers}")

set(CPACK_DEBIAN_AGENTS_PACKAGE_NAME cohort-agents)
set(CPACK_DEBIAN_AGENTS_DESCRIPTION "Cohort agent simulator, for tests and benchmarks
cohort-agents runs many simulated agents in one process, checking in with Cohort
manager nodes over HTTPS, with failover and live and final summaries.")

include(CPack)
