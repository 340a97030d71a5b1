//! `runas doctor PROFILE`: in progress.
pub fn run(
    _: &std::path::Path,
    _: &super::args::DoctorArgs,
) -> anyhow::Result<std::process::ExitCode> {
    anyhow::bail!("runas doctor is not available yet")
}
