/**
 * The pixels of a rendered frame (the "watch the agent" step after A3C training): a software ray
 * caster for MuJoCo's abstract scene, so that frames can be drawn on machines without a display
 * or GPU. It draws what MuJoCo's OpenGL renderer (mjr_render) draws for an mjvScene, from the same
 * inputs and with the same lighting equation, by casting one ray per pixel at the analytic geom
 * shapes instead of rasterising meshes. A frame is drawn in stages, each a module:
 *
 * 1. set-up: the camera (camera.ts), the geoms and their screen boxes (geoms.ts, shapes.ts), the
 *    lights (lighting.ts), and the skybox seen through each pixel (here);
 * 2. visibility (visibility.ts): the nearest geom of every pixel;
 * 3. shadows (shadows.ts): the fraction of each light reaching every plane pixel;
 * 4. reflection (reflection.ts): the nearest geom along the mirrored ray of the reflective plane;
 * 5. shading: the colour of every plane pixel (planes.ts) and solid geom pixel (shading.ts), lit
 *    by MuJoCo's lighting equation (lighting.ts) and textured (texture.ts);
 * 6. anti-aliasing (antialias.ts): silhouettes re-sampled 4 times.
 *
 * Geoms drawn: plane, sphere, capsule, ellipsoid, cylinder, box (lib/render/shapes/), opaque;
 * others (mesh, height field, arrows, lines, labels, flex, skin) are skipped. Cameras: perspective. Frames are RGB bytes, row 0
 * at the top (the camera's up vector points up the image).
 */
import { smoothEdges } from './antialias.js';
import { Frame, type FrameOptions, writePixel } from './frame.js';
import { shadePlanes } from './planes.js';
import { reflectionPass } from './reflection.js';
import type { RayScene } from './scene.js';
import { shadePass } from './shading.js';
import { prepareShadows } from './shadows.js';
import { sampleCube } from './texture.js';
import { visibilityPass } from './visibility.js';

export type RayCasterOptions = FrameOptions;

/** Draws `RayScene`s into RGB byte frames of a fixed size, allocating nothing per frame. */
export class RayCaster {
  readonly width: number;
  readonly height: number;
  readonly antialias: boolean;
  readonly shadowSoftness: number;
  private readonly frame: Frame;
  /** The camera and skybox the sky buffers were drawn for. */
  private skyKey = '';

  constructor(options: RayCasterOptions) {
    this.frame = new Frame(options);
    ({
      width: this.width,
      height: this.height,
      antialias: this.antialias,
      shadowSoftness: this.shadowSoftness,
    } = this.frame);
  }

  /** Draw `scene` into `out` (width * height * 3 RGB bytes, row 0 at the top). */
  render(scene: RayScene, out: Uint8Array): void {
    const f = this.frame;
    if (out.length !== f.width * f.height * 3) {
      throw new Error(
        `Frame buffer must hold ${f.width}x${f.height}x3 = ${f.width * f.height * 3} bytes, got ${out.length}`,
      );
    }
    f.scene = scene;
    f.g = scene.geomData;
    f.camera.update(scene.camera);
    f.lights.prepare(scene);
    f.geoms.prepare(scene, f.camera, f.primary, f.mirrored);
    this.updateSky();
    visibilityPass(f);
    prepareShadows(f);
    reflectionPass(f);
    shadePlanes(f, out);
    shadePass(f, out);
    if (f.antialias) smoothEdges(f, out);
  }

  /** The skybox seen through each pixel; drawn again only when the camera turns or zooms. */
  private updateSky(): void {
    const { scene, camera, width, height, sky, skyBytes } = this.frame;
    const key = [...camera.d0, ...camera.dx, ...camera.dy, scene.skybox, scene.textures.length].join();
    if (key === this.skyKey) return;
    this.skyKey = key;
    const texture = scene.skybox >= 0 ? scene.textures[scene.skybox] : undefined;
    if (!texture) {
      sky.fill(0);
      skyBytes.fill(0);
      return;
    }
    const { d0, dx, dy } = camera;
    const rgb = new Float64Array(3);
    for (let py = 0, i = 0; py < height; py++) {
      for (let px = 0; px < width; px++, i += 3) {
        const [sx, sy] = [px + 0.5, py + 0.5];
        // MuJoCo maps the skybox with texture coordinates (x, z, -y): cube "up" (+y) is world +z.
        const x = d0[0] + dx[0] * sx + dy[0] * sy;
        const y = d0[1] + dx[1] * sx + dy[1] * sy;
        const z = d0[2] + dx[2] * sx + dy[2] * sy;
        sampleCube(texture, x, z, -y, rgb);
        sky.set(rgb, i);
        writePixel(skyBytes, i, rgb[0], rgb[1], rgb[2]);
      }
    }
  }
}
