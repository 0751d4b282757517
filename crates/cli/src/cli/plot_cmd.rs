//! `barsmith plot`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use barsmith::output::AtomicFile;
use clap::Args;

use super::Failure;
use crate::plot::layout::parse_time;
use crate::plot::{ImageFormat, Labels, PlotRequest, Selection};

/// Most feature panels a chart has.
const MAX_FEATURES: usize = 2;

/// Arguments of `barsmith plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// A bar file written by `barsmith bars` (CSV or Parquet).
    #[arg(value_name = "PATH")]
    input: PathBuf,
    /// The image to write: `.png` or `.svg` (the format follows the extension).
    #[arg(value_name = "PATH", short, long)]
    output: PathBuf,
    /// Draw only the last N bars (of the --from/--to window, when given).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    last: Option<u64>,
    /// First bar drawn: the first opened at or after this time (2026-01-01, 2026-01-01T12:30[:05], UTC; or µs
    /// since the epoch). A time outside the days the file covers is refused.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    from: Option<i64>,
    /// Bars opened before this time are drawn (same forms as --from).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    to: Option<i64>,
    /// A feature column to draw in a panel under the volume (nulls are gaps); give it twice for two panels.
    #[arg(long = "feature", value_name = "COLUMN")]
    features: Vec<String>,
    /// Image size in pixels.
    #[arg(long, value_name = "WxH", default_value = "1600x900", value_parser = parse_size)]
    size: (u32, u32),
    /// Symbol for the title when the file does not record it (Parquet does; so do the names `bars` writes, e.g.
    /// BTCUSDT-250dbps-2026-01-01.csv).
    #[arg(long)]
    symbol: Option<String>,
    /// Threshold for the title when the file does not record it.
    #[arg(long, value_name = "DBPS")]
    threshold_dbps: Option<u32>,
}

/// Runs `barsmith plot`: everything about the input is checked before anything is written, and the image
/// appears at its path only when complete.
pub fn run(args: PlotArgs) -> Result<(), Failure> {
    let format = image_format(&args.output).map_err(Failure::bad_input)?;
    if args.features.len() > MAX_FEATURES {
        return Err(Failure::bad_input(anyhow!(
            "at most {MAX_FEATURES} --feature panels fit a chart; {} were given",
            args.features.len()
        )));
    }
    check_output(&args.input, &args.output).map_err(Failure::bad_input)?;
    let request = PlotRequest {
        selection: Selection {
            from_us: args.from,
            to_us: args.to,
            last: args.last.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        },
        features: args.features.clone(),
        size: args.size,
        labels: Labels { symbol: args.symbol.clone(), threshold_dbps: args.threshold_dbps },
    };
    let plan = crate::plot::plan(&args.input, &request).map_err(Failure::bad_input)?;
    let write_error = |e: io::Error| barsmith::Error::from_output(&args.output, e);
    let bytes = crate::plot::render(&plan, args.size, format).map_err(|e| write_error(io::Error::other(e)))?;
    let file = AtomicFile::create(&args.output).map_err(write_error)?;
    let mut out = file.writer().map_err(write_error)?;
    out.write_all(&bytes).and_then(|()| out.flush()).map_err(write_error)?;
    drop(out);
    file.commit().map_err(write_error)?;
    Ok(())
}

fn image_format(output: &Path) -> anyhow::Result<ImageFormat> {
    let extension = output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("png") => Ok(ImageFormat::Png),
        Some("svg") => Ok(ImageFormat::Svg),
        _ => Err(anyhow!("-o {}: the image name must end in .png or .svg", output.display())),
    }
}

/// Refuses to replace the input, or anything at the output path that is not a regular file (a directory,
/// symlink, FIFO or device is never replaced).
fn check_output(input: &Path, output: &Path) -> anyhow::Result<()> {
    let Ok(metadata) = std::fs::symlink_metadata(output) else {
        return Ok(());
    };
    if !metadata.file_type().is_file() {
        return Err(anyhow!("-o {}: exists and is not a regular file; it is left alone", output.display()));
    }
    let same = match (std::fs::canonicalize(input), std::fs::canonicalize(output)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(anyhow!("-o {}: is the input file; it is never written over", output.display()));
    }
    Ok(())
}

/// `1600x900` → (1600, 900); each side 200..=8192 pixels.
fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let parse = |side: &str| side.trim().parse::<u32>().ok().filter(|v| (200..=8192).contains(v));
    let (w, h) =
        text.split_once(['x', 'X', '×']).ok_or_else(|| format!("`{text}` is not WIDTHxHEIGHT, e.g. 1600x900"))?;
    match (parse(w), parse(h)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(format!("`{text}`: each side must be a whole number of pixels from 200 to 8192")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1600x900"), Ok((1600, 900)));
        assert_eq!(parse_size("800X600"), Ok((800, 600)));
        assert!(parse_size("1600").is_err());
        assert!(parse_size("10x10").is_err());
        assert!(parse_size("axb").is_err());
    }

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(image_format(Path::new("a.PNG")).unwrap(), ImageFormat::Png);
        assert_eq!(image_format(Path::new("a.svg")).unwrap(), ImageFormat::Svg);
        assert!(image_format(Path::new("a.jpg")).is_err());
        assert!(image_format(Path::new("a")).is_err());
    }
}
