//! `toolrisk init`: makes a site that builds, and refuses a folder that is
//! not empty.

use crate::common::*;
use crate::policies::check_policies;

#[test]
fn init_makes_a_site_that_builds() {
    let tmp = tempdir();
    let new = tmp.path().join("new");
    toolrisk(["init".as_ref(), new.as_os_str()]).ok("init");
    assert!(new.join("site.toml").is_file());
    let run = toolrisk(["build".as_ref(), new.as_os_str()]);
    run.ok("build the new site");
    assert!(new.join("public/index.html").is_file());
    assert!(
        new.join("public/servers/example-notes/add_note/policy.json")
            .is_file()
    );
    check_policies(&new.join("public"));
    toolrisk(["check".as_ref(), new.as_os_str()]).ok("check the new site");
    // init refuses a folder that is not empty.
    toolrisk(["init".as_ref(), new.as_os_str()])
        .failed("init into a non-empty folder")
        .stderr_has("already exists and is not empty");
}
