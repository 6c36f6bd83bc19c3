# Installs deploy/cohort-node.service into lib/systemd/system under the install prefix,
# with ExecStart naming the program in this prefix's bin folder. Run at install time
# (install(CODE) in Packaging.cmake), with cohort_unit_source and cohort_unit_bindir set.
if(IS_ABSOLUTE "${cohort_unit_bindir}")
    set(program "${cohort_unit_bindir}/cohort-node")
else()
    set(program "${CMAKE_INSTALL_PREFIX}/${cohort_unit_bindir}/cohort-node")
endif()
file(READ "${cohort_unit_source}" unit)
string(REPLACE "\nExecStart=/usr/bin/cohort-node " "\nExecStart=${program} " configured "${unit}")
if(configured STREQUAL unit AND NOT program STREQUAL "/usr/bin/cohort-node")
    message(FATAL_ERROR "${cohort_unit_source}: no line \"ExecStart=/usr/bin/cohort-node ...\" to point at ${program}")
endif()
set(destination "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
message(STATUS "Installing: ${destination}/cohort-node.service")
file(WRITE "${destination}/cohort-node.service" "${configured}")
file(CHMOD "${destination}/cohort-node.service" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${CMAKE_INSTALL_PREFIX}/lib/systemd/system/cohort-node.service")
