# Reads the output of `cargo test` (stdout and stderr together) as it runs and prints one verdict
# line per suite that ran any test: each test binary, each crate's doc-tests, each criterion bench
# in test mode. Used by scripts/test.sh.
#
# Counts are the runners' own: a `test result:` line gives passed, failed and ignored (counted as
# skipped); a criterion bench in test mode prints `Success` once per benchmark. A suite that cargo
# reports as failed (`error: test failed, to rerun pass …`) without a failed count — it crashed or
# was killed — counts as one failure.
#
# Variables (-v): COUNTS, the file that receives "passed failed skipped"; FAILURES, the file that
# receives the output of every failing suite; FAILED_NAMES, the file that receives their names,
# one a line.

function suite_name(line,    binary, dfile, first, fields, name) {
    # "     Running tests/x.rs (target/debug/deps/x-0123abcd)": the .d file cargo writes beside the
    # binary names the source file relative to the workspace, e.g. hosts/server/tests/x.rs,
    # which tells apart same-named tests of different crates.
    name = line
    sub(/^ *Running /, "", name)
    if (match(name, /\([^()]*\)$/)) {
        binary = substr(name, RSTART + 1, RLENGTH - 2)
        name = substr(name, 1, RSTART - 2)
        dfile = binary ".d"
        if ((getline first < dfile) > 0 && split(first, fields, " ") >= 2) {
            name = fields[2]
        }
        close(dfile)
    }
    return name
}

function start(name) {
    finish()
    open = 1
    suite = name
    output = ""
    passed = failed = skipped = 0
    counted = errored = 0
    elapsed = ""
}

function finish(    verdict, details) {
    if (!open) return
    open = 0
    if (errored && failed == 0) {
        failed = 1
        elapsed = "crashed: counted as 1 failure"
    }
    total_passed += passed
    total_failed += failed
    total_skipped += skipped
    if (passed + failed + skipped == 0) return
    verdict = failed ? "FAIL" : "ok"
    details = passed " passed"
    if (failed) details = details ", " failed " failed"
    if (skipped) details = details ", " skipped " skipped"
    if (elapsed != "") details = details " (" elapsed ")"
    printf "  %-4s %-48s %s\n", verdict, suite, details
    fflush()
    if (failed) {
        printf "---- %s ----\n%s\n", suite, output >> FAILURES
        print suite >> FAILED_NAMES
    }
}

/^ *Running / { start(suite_name($0)); next }
/^ *Doc-tests / { start($2 " doc-tests"); next }

open { output = output $0 "\n" }

open && /^test result: / {
    counted = 1
    if (match($0, /[0-9]+ passed/)) passed += substr($0, RSTART, RLENGTH) + 0
    if (match($0, /[0-9]+ failed/)) failed += substr($0, RSTART, RLENGTH) + 0
    if (match($0, /[0-9]+ ignored/)) skipped += substr($0, RSTART, RLENGTH) + 0
    if (match($0, /finished in [0-9.]+s/)) elapsed = substr($0, RSTART + 12, RLENGTH - 12)
}

open && /^Success$/ { passed++ }

open && /^error: (test|bench) failed/ { errored = 1 }

END {
    finish()
    print total_passed + 0, total_failed + 0, total_skipped + 0 > COUNTS
}
