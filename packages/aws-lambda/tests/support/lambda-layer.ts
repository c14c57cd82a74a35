import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { buildLambdaLayer, layerHandlerSetting, layerWrapperPath } from '../../scripts/build-layer.js';

/** The layer as Lambda lays it out: the zip built by the real build step, extracted into a stand-in for /opt. */
export interface ExtractedLayer {
  readonly zipFile: string;
  readonly optDirectory: string;
  /** `<opt>/faultline-wrapper`, for AWS_LAMBDA_EXEC_WRAPPER. */
  readonly wrapper: string;
  /** The handler setting of handler-swap mode, under this `<opt>`. */
  readonly handlerSetting: string;
  /** Unix mode of each entry, as stored in the zip. */
  readonly modes: Readonly<Record<string, number>>;
}

/** Builds the layer zip with `buildLambdaLayer` and extracts it with the modes it records (as Lambda does). */
export async function buildAndExtractLayer(): Promise<ExtractedLayer> {
  const workDirectory = await mkdtemp(join(tmpdir(), 'faultline-layer-'));
  const { zipFile } = await buildLambdaLayer({ outFile: join(workDirectory, 'layer.zip') });
  const zip = new Uint8Array(await readFile(zipFile));
  const modes = readUnixModes(zip);
  const optDirectory = join(workDirectory, 'opt');
  for (const [path, data] of Object.entries(unzipSync(zip))) {
    const target = join(optDirectory, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, data);
    await chmod(target, (modes[path] ?? 0o644) & 0o777);
  }
  return {
    zipFile,
    optDirectory,
    wrapper: join(optDirectory, layerWrapperPath),
    handlerSetting: layerHandlerSetting.replace('/opt/', `${optDirectory}/`),
    modes,
  };
}

/** Reads each entry's Unix mode from the zip's central directory (external attributes, high 16 bits). */
function readUnixModes(zip: Uint8Array): Record<string, number> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.byteLength - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error('not a zip: no end of central directory');
  const count = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  const modes: Record<string, number> = {};
  for (let index = 0; index < count; index += 1) {
    if (view.getUint32(offset, true) !== 0x02014b50) throw new Error('corrupt central directory');
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const attributes = view.getUint32(offset + 38, true);
    const name = Buffer.from(zip.subarray(offset + 46, offset + 46 + nameLength)).toString('utf8');
    modes[name] = attributes >>> 16;
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return modes;
}

/** Writes a function's code folder (the stand-in for /var/task) from file contents. */
export async function writeFunctionCode(files: Readonly<Record<string, string>>): Promise<string> {
  const taskRoot = await mkdtemp(join(tmpdir(), 'faultline-task-'));
  for (const [path, contents] of Object.entries(files)) {
    const target = join(taskRoot, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, contents);
  }
  return taskRoot;
}
