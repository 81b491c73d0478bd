#!/usr/bin/env node
/*
 * f5-corkscrew (F5's own open-source tmsh parser) on bigip.conf files, for the easlint
 * cross-check (tests/test_f5_corkscrew.py) and the speed comparison (bench/run_f5.py).
 *
 *   node bench/corkscrew_parse.js FILE...          # JSON: per file, the objects corkscrew read
 *   node bench/corkscrew_parse.js --time FILE      # JSON: seconds of loadParseAsync only
 *
 * corkscrew 0.13.0 is found in $EASLINT_CORKSCREW_DIR or <repo>/.cache/corkscrew/node_modules/f5-corkscrew
 * (npm install --prefix .cache/corkscrew f5-corkscrew@0.13.0).
 *
 * Two behaviours of 0.13.0 shape this script:
 * - on a plain .conf, loadParseAsync throws after parsing ("Cannot destructure property
 *   'files'", its archive reader); the parsed tree is complete in `configObject`, so it is read
 *   from there and the error is reported beside it;
 * - its parent-object regex only closes an object when another top-level object follows
 *   (a look-ahead for the next "ltm|sys|..." right after its closing "}\n"), so the last object
 *   of a file is lost, and objects separated by blank or comment lines merge into one. With
 *   --sentinel, a temporary copy has its blank and column-0 comment lines removed and a neutral
 *   `sys` stanza appended, so that every object of the file itself is compared;
 * - without a `#TMSH-VERSION:` header it crashes (an exception outside its promise chain);
 *   with --sentinel, the copy gets one when the file has none.
 */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const dir = process.env.EASLINT_CORKSCREW_DIR
    || path.join(__dirname, '..', '.cache', 'corkscrew', 'node_modules', 'f5-corkscrew');
const BigipConfig = require(path.join(dir, 'dist', 'ltm')).default;
const VERSION_HEADER = '#TMSH-VERSION: 15.1.8.2';
const SENTINEL = 'sys easlint-sentinel {\n    description none\n}\n';

async function load(file) {
    const device = new BigipConfig();
    const start = process.hrtime.bigint();
    let error = null;
    try {
        await device.loadParseAsync(file);
    } catch (e) {
        error = String(e && e.message ? e.message : e);
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { device, seconds, error };
}

function keys(object) {
    return Object.keys(object || {}).sort();
}

function typed(object) {
    // ltm profile tcp /Common/x -> "tcp /Common/x"; ltm monitor http ... likewise
    const out = [];
    for (const type of keys(object)) {
        for (const name of keys(object[type])) {
            out.push(`${type} ${name}`);
        }
    }
    return out.sort();
}

function virtualDetails(device, body) {
    const rx = device.rx && device.rx.vs;
    const pool = rx ? body.match(rx.pool.obj) : null;
    const profiles = rx ? body.match(rx.profiles.obj) : null;
    return {
        pool: pool && pool[1] ? pool[1].trim() : null,
        profiles: profiles && profiles[1] ? (profiles[1].match(/(\/[\w\-\/.]+)/g) || []).sort() : [],
    };
}

function summary(device) {
    const tree = device.configObject || {};
    const ltm = tree.ltm || {};
    const virtuals = {};
    for (const name of keys(ltm.virtual)) {
        virtuals[name] = virtualDetails(device, ltm.virtual[name]);
    }
    return {
        virtuals,
        pools: keys(ltm.pool),
        profiles: typed(ltm.profile),
        rules: keys(ltm.rule),
        policies: keys(ltm.policy),
        access_profiles: keys(tree.apm && tree.apm.profile && tree.apm.profile.access),
    };
}

async function main() {
    const args = process.argv.slice(2);
    const timeOnly = args.includes('--time');
    const sentinel = args.includes('--sentinel');
    const files = args.filter((arg) => !arg.startsWith('--'));
    const result = {};
    for (const file of files) {
        let target = file;
        let temp = null;
        if (sentinel) {
            temp = fs.mkdtempSync(path.join(os.tmpdir(), 'corkscrew-'));
            target = path.join(temp, path.basename(file));
            let text = fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n').replace(/^(?:[ \t]*|#(?!TMSH-VERSION).*)\n/gm, '').replace(/\s*$/, '\n');
            if (!/^#TMSH-VERSION:/m.test(text)) {
                text = `${VERSION_HEADER}\n${text}`;
            }
            fs.writeFileSync(target, text + SENTINEL);
        }
        const { device, seconds, error } = await load(target);
        result[file] = timeOnly ? { seconds, error } : { seconds, error, objects: summary(device) };
        if (temp) {
            fs.rmSync(temp, { recursive: true, force: true });
        }
    }
    process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => {
    process.stderr.write(`corkscrew_parse: ${e && e.stack ? e.stack : e}\n`);
    process.exit(2);
});
