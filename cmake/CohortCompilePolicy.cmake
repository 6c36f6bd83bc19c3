# One INTERFACE target carries the compile policy every Cohort target links:
# warnings, Qt string hygiene, optional sanitizers. No global flags elsewhere.
add_library(cohort_compile_policy INTERFACE)
add_library(Cohort::CompilePolicy ALIAS cohort_compile_policy)

target_compile_features(cohort_compile_policy INTERFACE cxx_std_20)

target_compile_definitions(cohort_compile_policy INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_CONTEXTLESS_CONNECT
    QT_NO_URL_CAST_FROM_STRING
    QT_USE_QSTRINGBUILDER
    QT_NO_FOREACH
    QT_DISABLE_DEPRECATED_UP_TO=0x060400
    COHORT_VERSION_STRING="${PROJECT_VERSION}")

target_compile_options(cohort_compile_policy INTERFACE
    -Wall -Wextra -Wpedantic
    -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
    -Wimplicit-fallthrough -Wformat=2)

if(COHORT_WERROR)
    target_compile_options(cohort_compile_policy INTERFACE -Werror)
endif()

if(COHORT_SANITIZE)
    target_compile_options(cohort_compile_policy INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(cohort_compile_policy INTERFACE -fsanitize=address,undefined)
endif()
