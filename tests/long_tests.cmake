# Read by ctest after the Catch2 test cases catch_discover_tests found (tests/CMakeLists.txt): the longest of them
# start first, like the shell and Python tests, so that the two jobs of a 2-core machine do not end on one of them
# alone. COST: seconds under the sanitizers, rounded; a name that matches no test is ignored.
set_tests_properties("bad inputs: every case of the corpus exits 2 with its exact messages and no internal error"
                     PROPERTIES COST 45)
set_tests_properties("validation of the published cases (scenarios/validation)" PROPERTIES COST 45)
set_tests_properties("sweep: every point equals a fresh load with the same --set, on both routes" PROPERTIES COST 18)
set_tests_properties("calibrate --cpu --quick measures this machine and writes a profile that loads" PROPERTIES COST 9)
set_tests_properties("each bad scenario gives exactly its expected messages: file:line:col, key path, expectation"
                     PROPERTIES COST 8)
