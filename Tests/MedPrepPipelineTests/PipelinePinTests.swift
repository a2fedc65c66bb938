import Foundation
import Testing
import MedPrepTestSupport
@testable import MedPrepPipeline

/// Canonical JSON, `pipelineHash` and `processingHash` of every example pipeline and of pipelines using every
/// stage and method, and the exact issues of invalid stages, as the code before the stage and method descriptors
/// produced them (commit 2cb2d5a). Hashes are stored in state databases and reports, so they must never change.
@Suite struct PipelinePinTests {
    /// `pipelines/*.yaml`, each parsed as if it lay in `/pinned/pipelines/`.
    static let examples: [(file: String, json: String, pipelineHash: String, processingHash: String)] = [
        ("ct-groupnorm.yaml",
         #"{"batch":{"size":4},"input":{"channels":null,"directory":"/pinned/SampleData/ct","exclude":[],"include":["**/*.nii.gz","**/*.nii"],"labels":null},"limits":{"max_voxels":2147483648},"name":"ct-groupnorm","output":{"batches":"npy","compression":"gzip","directory":"/pinned/out/ct-groupnorm","reports":["csv","html","json"],"volumes":"nifti"},"stages":[{"max":3000.0,"min":-1024.0,"stage":"clip"},{"interpolation":"linear","spacing":[1.5,1.5,1.5],"stage":"resample"},{"pad_value":0.0,"shape":[128,128,96],"stage":"crop_or_pad"},{"beta":null,"eps":1e-05,"gamma":null,"groups":1,"method":"groupnorm","nonfinite":"error","stage":"normalize"}],"version":1}"#,
         "b289377bb225ee172cec6e685ae9c8c132550f95fd563b1564516c00f0df90a5", "ec0fa9ed75d3b78943193edf54746440c2be5779a3d0ab0ce586318e772c1644"),
        ("mri-dataset.yaml",
         #"{"batch":{"size":1},"input":{"channels":null,"directory":"/pinned/SampleData/mri","exclude":[],"include":["**/*.nii.gz"],"labels":null},"limits":{"max_voxels":2147483648},"name":"mri-dataset","output":{"batches":"none","compression":"gzip","directory":"/pinned/out/mri-dataset","reports":["csv","json"],"volumes":"nifti"},"stages":[{"ct_clip":false,"eps":1e-05,"mask":"nonzero","method":"dataset","nonfinite":"error","stage":"normalize","stats":"computed"}],"version":1}"#,
         "dffa6f0719990c24abe2c7eeb15f99c9c62f44e29dad9de68bb7142e838c2a72", "12eb0969c4856842ae3a13832a8d7e319b5f93aa093b8a09eaae56d9c0686d61"),
        ("natural-imagenet.yaml",
         #"{"batch":{"size":1},"input":{"channels":null,"directory":"/pinned/SampleData/photo","exclude":[],"include":["*.png"],"labels":null},"limits":{"max_voxels":2147483648},"name":"natural-imagenet","output":{"batches":"none","compression":"gzip","directory":"/pinned/out/natural-imagenet","reports":["json"],"volumes":"npy"},"stages":[{"method":"imagenet","nonfinite":"error","stage":"normalize"}],"version":1}"#,
         "77c4b67cb107e1b2d6cd82bd3677f550e74ff9faa3d5311a60680dcceb1fe9d0", "19b2f5033a5dd13961b1803a3549fe3b1a2d902fa4d30e97044240261a0c8e4f"),
        ("natural-vs-dataset.yaml",
         #"{"batch":{"size":1},"input":{"channels":null,"directory":"/pinned/SampleData/xray","exclude":[],"include":["*.png"],"labels":null},"limits":{"max_voxels":2147483648},"name":"natural-vs-dataset","output":{"batches":"none","compression":"gzip","directory":"/pinned/out/natural-vs-dataset","reports":["csv","html","json"],"volumes":"npy"},"stages":[{"ct_clip":false,"eps":1e-05,"mask":{"threshold":0.0},"method":"dataset","nonfinite":"error","stage":"normalize","stats":"computed"}],"version":1}"#,
         "879b5e9e18db25a53f919e094191fbc09fa5213d180bea0a3c45c08811a8f360", "c0844edb99b80088a4a8d2b24764b0241d2efa562e136cb5ded15b3501814ee4"),
        ("nnunet-like.yaml",
         #"{"batch":{"size":3},"input":{"channels":"{case}_{channel:4}.nii.gz","directory":"/pinned/SampleData/nnunet/Dataset001_Phantom/imagesTr","exclude":[],"include":["*.nii.gz"],"labels":"/pinned/SampleData/nnunet/Dataset001_Phantom/labelsTr/{case}.nii.gz"},"limits":{"max_voxels":2147483648},"name":"nnunet-like","output":{"batches":"npy","compression":"gzip","directory":"/pinned/out/nnunet-like","reports":["csv","json"],"volumes":"nifti"},"stages":[{"stage":"orient","to":"RAS"},{"margin":[0,0,0],"stage":"crop_foreground","threshold":"nonzero"},{"interpolation":"linear","spacing":[1.5,1.5,3.0],"stage":"resample"},{"pad_value":0.0,"shape":[48,48,16],"stage":"crop_or_pad"},{"eps":1e-05,"mask":"nonzero","method":"instance","nonfinite":"error","stage":"normalize"}],"version":1}"#,
         "2b2ae8c8017aacd8ed3305e859a1de6dc6b800c88d0b7cea026c10ba1730f721", "d199b7084d099c8ff92c1c92d8afe0a405c54f97c1509794004c1cc3268911a9"),
        ("nnunet.yaml",
         #"{"batch":{"size":1},"input":{"channels":"{case}_{channel:4}.nii.gz","directory":"/pinned/SampleData/nnunet/Dataset001_Phantom/imagesTr","exclude":[],"include":["*.nii.gz"],"labels":"/pinned/SampleData/nnunet/Dataset001_Phantom/labelsTr/{case}.nii.gz"},"limits":{"max_voxels":2147483648},"name":"nnunet","output":{"batches":"none","compression":"gzip","directory":"/pinned/out/nnunet","reports":["csv","json"],"volumes":"nifti"},"stages":[{"ct_clip":false,"eps":1e-05,"mask":"nonzero","method":"dataset","nonfinite":"error","stage":"normalize","stats":"computed"}],"version":1}"#,
         "d500109f13d599cc70aa15b21c37fd6de47a30007a84072e27c4ba5a2eca55e2", "6c8092ceef26f5da7d39e0492bcb485b3d58e6e355e2bd4aa6891887e5479f08"),
        ("quickstart.yaml",
         #"{"batch":{"size":2},"input":{"channels":null,"directory":"/pinned/SampleData/ct","exclude":[],"include":["**/*.nii.gz"],"labels":"/pinned/SampleData/ct-labels/{case}.nii.gz"},"limits":{"max_voxels":2147483648},"name":"quickstart","output":{"batches":"npy","compression":"gzip","directory":"/pinned/out/quickstart","reports":["csv","html","json"],"volumes":"nifti"},"stages":[{"max":3000.0,"min":-1024.0,"stage":"clip"},{"interpolation":"linear","spacing":[1.5,1.5,1.5],"stage":"resample"},{"pad_value":0.0,"shape":[64,64,48],"stage":"crop_or_pad"},{"beta":null,"eps":1e-05,"gamma":null,"groups":1,"method":"groupnorm","nonfinite":"error","stage":"normalize"}],"version":1}"#,
         "be0798cfc703e96b48850b8cdeeaffeeb79cd5443fd55ba256af29cfd8aaeb91", "b31bf8b345d18c8f35db654bfbe8a5582edba124900935e478623741f2a40c35"),
        ("xray-imagenet.yaml",
         #"{"batch":{"size":1},"input":{"channels":null,"directory":"/pinned/SampleData/xray","exclude":[],"include":["*.png"],"labels":null},"limits":{"max_voxels":2147483648},"name":"xray-imagenet","output":{"batches":"none","compression":"gzip","directory":"/pinned/out/xray-imagenet","reports":["csv","json"],"volumes":"npy"},"stages":[{"method":"imagenet","nonfinite":"error","stage":"normalize"}],"version":1}"#,
         "882dfa027a4c71dcc96ba2fcef1861115f4614ba17b15ac03044802c2b8cae1b", "19b2f5033a5dd13961b1803a3549fe3b1a2d902fa4d30e97044240261a0c8e4f"),
        ("xray-png.yaml",
         #"{"batch":{"size":3},"input":{"channels":null,"directory":"/pinned/SampleData/xray","exclude":[],"include":["*.png"],"labels":null},"limits":{"max_voxels":2147483648},"name":"xray-png","output":{"batches":"npy","compression":"gzip","directory":"/pinned/out/xray-png","reports":["csv","json"],"volumes":"npy"},"stages":[{"lower":0.5,"method":"percentile","nonfinite":"error","stage":"normalize","upper":99.5}],"version":1}"#,
         "9fb66158d184bc3460344ca9ad1338d65c0b7475cd55cac8409f6dec9c92d742", "0bb37e316840c09104adbc6afca94370319fa4804e6764c856a5cf822fc77d95"),
    ]

    /// Pipelines with the stages of `extraStages`, at `/pinned/p.yaml`.
    static let extras: [(label: String, json: String, pipelineHash: String, processingHash: String)] = [
        ("transforms",
         #"{"batch":{"size":1},"input":{"channels":null,"directory":"/pinned/in","exclude":[],"include":["*.nii"],"labels":null},"limits":{"max_voxels":2147483648},"name":"transforms","output":{"batches":"none","compression":"gzip","directory":"/pinned/out","reports":["json"],"volumes":"nifti"},"stages":[{"max":2.0,"min":-1.5,"stage":"clip"},{"interpolation":"nearest","spacing":[0.7,0.7],"stage":"resample"},{"pad_value":-3.25,"shape":[32,48],"stage":"crop_or_pad"},{"channels":[2,0],"stage":"select_channels"},{"stage":"drop_alpha"},{"method":"minmax","nonfinite":"ignore","stage":"normalize"}],"version":1}"#,
         "2d74d3277596475693d8d0938cecb7d8379c4cb3071e0d10b6349db6e8c5ecfe", "63a3b25d936d9b75bd5ad50059ed3a0fd4d3d4ed31238fc1c411206518bf90d8"),
        ("groupnorm",
         #"{"batch":{"size":1},"input":{"channels":null,"directory":"/pinned/in","exclude":[],"include":["*.nii"],"labels":null},"limits":{"max_voxels":2147483648},"name":"groupnorm","output":{"batches":"none","compression":"gzip","directory":"/pinned/out","reports":["json"],"volumes":"nifti"},"stages":[{"beta":[0.0,-0.5],"eps":0.001,"gamma":[1.0,2.5],"groups":2,"method":"groupnorm","nonfinite":"zero","stage":"normalize"}],"version":1}"#,
         "a981a5eb5bbffc26c7e581fffef1baee95eb1d8d1a2a8457e9bedaa5a7575e05", "9df458296bea355186a43b54df435c517f097afb25c07ff0cbdf7b501e0a7c11"),
        ("instance",
         #"{"batch":{"size":1},"input":{"channels":null,"directory":"/pinned/in","exclude":[],"include":["*.nii"],"labels":null},"limits":{"max_voxels":2147483648},"name":"instance","output":{"batches":"none","compression":"gzip","directory":"/pinned/out","reports":["json"],"volumes":"nifti"},"stages":[{"eps":0.001,"method":"instance","nonfinite":"error","stage":"normalize"}],"version":1}"#,
         "6e4890fbea289edcd0904c17e9a1a60d93ac11ff1ab20f90149a411126811d43", "1aa51cd26198f760f2716fba6db5d981038f57563a9ac43c37f5e51fc86f1042"),
        ("dataset-file",
         #"{"batch":{"size":1},"input":{"channels":null,"directory":"/pinned/in","exclude":[],"include":["*.nii"],"labels":null},"limits":{"max_voxels":2147483648},"name":"dataset-file","output":{"batches":"none","compression":"gzip","directory":"/pinned/out","reports":["json"],"volumes":"nifti"},"stages":[{"ct_clip":true,"eps":1e-06,"mask":{"threshold":-500.0},"method":"dataset","nonfinite":"error","stage":"normalize","stats":{"file":"/pinned/stats/ct.json"}}],"version":1}"#,
         "3d2f3504f18e3525912d714939468f84850ee1d1c1daff2ab809c810c0fa203a", "0b03d44027efa8119229d5f4578f606ad0038c65431f32c0aa8244f407fdb823"),
        ("dataset-all",
         #"{"batch":{"size":1},"input":{"channels":null,"directory":"/pinned/in","exclude":[],"include":["*.nii"],"labels":null},"limits":{"max_voxels":2147483648},"name":"dataset-all","output":{"batches":"none","compression":"gzip","directory":"/pinned/out","reports":["json"],"volumes":"nifti"},"stages":[{"ct_clip":false,"eps":1e-05,"mask":"all","method":"dataset","nonfinite":"error","stage":"normalize","stats":"computed"}],"version":1}"#,
         "a90d423d46c52d5ca1122efcaf7332980c90744fb64eecea95d5e9135925d851", "d109b25f50987663af1d69b3860bb9b6484c788e416f69d12b2d0b97e5b07663"),
        ("percentile",
         #"{"batch":{"size":1},"input":{"channels":null,"directory":"/pinned/in","exclude":[],"include":["*.nii"],"labels":null},"limits":{"max_voxels":2147483648},"name":"percentile","output":{"batches":"none","compression":"gzip","directory":"/pinned/out","reports":["json"],"volumes":"nifti"},"stages":[{"lower":1.0,"method":"percentile","nonfinite":"error","stage":"normalize","upper":99.0}],"version":1}"#,
         "265a5f2097d2df738fe528d7aa53fb75756137c7f86adc255176145f8e4ead03", "1586baa8caa4a50516b246ca5c0d8b24fb9935de7f5e8f9627d84a2ea050837b"),
        ("batchstats",
         #"{"batch":{"size":1},"input":{"channels":null,"directory":"/pinned/in","exclude":[],"include":["*.nii"],"labels":null},"limits":{"max_voxels":2147483648},"name":"batchstats","output":{"batches":"none","compression":"gzip","directory":"/pinned/out","reports":["json"],"volumes":"nifti"},"stages":[{"eps":0.0001,"method":"batchstats","nonfinite":"error","stage":"normalize"}],"version":1}"#,
         "c6b86bf3f951f8ed0e1f1cced200cd9b861eb050674c7b19c0445cae5eaeef4d", "92a7dd9babd27223052454b0793bdeb588b1b306b7ff40ec1efba09f57d8100c"),
        ("imagenet",
         #"{"batch":{"size":1},"input":{"channels":null,"directory":"/pinned/in","exclude":[],"include":["*.nii"],"labels":null},"limits":{"max_voxels":2147483648},"name":"imagenet","output":{"batches":"none","compression":"gzip","directory":"/pinned/out","reports":["json"],"volumes":"nifti"},"stages":[{"method":"imagenet","nonfinite":"error","stage":"normalize"}],"version":1}"#,
         "d1766949e2e109efa9f957d0ea7583bc4ffb492aefda805f25dda4b59128f2d0", "85ff14ddbc1ae2e10e8a110604e707c0c23f26030e7be454fa9be8a89cdc6fcc"),
        // Pinned when the stages were added (issue 16); `instance` without `mask` keeps the pin above.
        ("foreground-resize",
         #"{"batch":{"size":1},"input":{"channels":null,"directory":"/pinned/in","exclude":[],"include":["*.nii"],"labels":null},"limits":{"max_voxels":2147483648},"name":"foreground-resize","output":{"batches":"none","compression":"gzip","directory":"/pinned/out","reports":["json"],"volumes":"nifti"},"stages":[{"margin":[2,2,1],"stage":"crop_foreground","threshold":"nonzero"},{"interpolation":"linear","shape":[64,64],"stage":"resize"},{"eps":1e-05,"mask":"nonzero","method":"instance","nonfinite":"error","stage":"normalize"}],"version":1}"#,
         "65bc9058c6d6dff2f45873c286cc3496f0cda2d9ac962857cf125387f129f54c", "2443503c1bd8c3a636377bc87ab8ccb3979f4022d19ca74761aa5b2c239be35b"),
    ]

    static let extraStages: [(String, String)] = [
        ("transforms", """
          - clip: {min: -1.5, max: 2}
          - resample: {spacing: [0.7, 0.7], interpolation: nearest}
          - crop_or_pad: {shape: [32, 48], pad_value: -3.25}
          - select_channels: {channels: [2, 0]}
          - drop_alpha:
          - normalize: {method: minmax, nonfinite: ignore}
        """),
        ("groupnorm", "  - normalize: {method: groupnorm, groups: 2, eps: 0.001, gamma: [1, 2.5], beta: [0, -0.5], nonfinite: zero}"),
        ("instance", "  - normalize: {method: instance, eps: 1.0e-3}"),
        ("dataset-file", "  - normalize: {method: dataset, stats: stats/ct.json, mask: {threshold: -500}, ct_clip: true, eps: 1.0e-6}"),
        ("dataset-all", "  - normalize: {method: dataset, mask: all}"),
        ("percentile", "  - normalize: {method: percentile, lower: 1, upper: 99}"),
        ("batchstats", "  - normalize: {method: batchstats, eps: 0.0001}"),
        ("imagenet", "  - normalize: {method: imagenet}"),
        ("foreground-resize", """
          - crop_foreground: {margin: [2, 2, 1]}
          - resize: {shape: [64, 64]}
          - normalize: {method: instance, mask: nonzero}
        """),
    ]

    /// Invalid `stages:` entries and every issue each gives, in order.
    static let invalidStages: [(stages: String, issues: [String])] = [
        (#"  - foo: {}"#, [#"p.yaml:5:5: found unknown stage 'foo', expected one of: orient, clip, crop_foreground, resample, resize, crop_or_pad, select_channels, drop_alpha, normalize"#]),
        (#"  - orient: {to: RRS}"#, [#"p.yaml:5:18: found axis code 'RRS' for orient.to, expected 3 upper-case letters, one from each of L/R, A/P, S/I (RAS, LPS, PSR…)"#]),
        (#"  - orient: {to: [R]}"#, [#"p.yaml:5:18: found a list for orient.to, expected a string"#]),
        (#"  - clip: {min: 1}"#, [#"p.yaml:5:5: found clip without 'max', expected key 'max' (required)"#]),
        (#"  - clip: {min: 2, max: 1}"#, [#"p.yaml:5:25: found clip.max 1.0 below clip.min 2.0, expected min ≤ max"#]),
        (#"  - clip: 5"#, [#"p.yaml:5:11: found '5', expected a mapping for clip"#]),
        (#"  - clip:"#, [#"p.yaml:5:5: found clip without 'min', expected key 'min' (required)"#, #"p.yaml:5:5: found clip without 'max', expected key 'max' (required)"#]),
        (#"  - drop_alpha: {x: 1}"#, [#"p.yaml:5:18: found unknown key 'x' in drop_alpha, expected one of: "#]),
        (#"  - resample: {spacing: [0, 1]}"#, [#"p.yaml:5:26: found spacing 0.0, expected a positive number (mm)"#]),
        (#"  - resample: {spacing: [1, 1], interpolation: cubic}"#, [#"p.yaml:5:48: found 'cubic' for resample.interpolation, expected one of: linear, nearest"#]),
        (#"  - crop_or_pad: {shape: [1]}"#, [#"p.yaml:5:26: found 1 values for crop_or_pad.shape, expected 2 to 3 values"#]),
        (#"  - crop_or_pad: {shape: [1, 0], pad_value: x}"#, [#"p.yaml:5:30: found shape value 0, expected a positive integer"#, #"p.yaml:5:45: found 'x' for crop_or_pad.pad_value, expected a number"#]),
        (#"  - crop_foreground: {threshold: abc, margin: [1, -1]}"#, [#"p.yaml:5:34: found 'abc' for crop_foreground.threshold, expected nonzero or a number"#, #"p.yaml:5:51: found margin -1, expected a non-negative number of voxels"#]),
        (#"  - crop_foreground: {threshold: "1", margin: [1]}"#, [#"p.yaml:5:34: found string "1" for crop_foreground.threshold, expected nonzero or a number"#, #"p.yaml:5:47: found 1 values for crop_foreground.margin, expected 2 to 3 values"#]),
        (#"  - crop_foreground: {threshold: .nan, margin: 2}"#, [#"p.yaml:5:34: found '.nan' for crop_foreground.threshold, expected nonzero or a number"#, #"p.yaml:5:48: found '2' for crop_foreground.margin, expected a list"#]),
        (#"  - resize: {interpolation: cubic}"#, [#"p.yaml:5:5: found resize without 'shape', expected key 'shape' (required)"#, #"p.yaml:5:29: found 'cubic' for resize.interpolation, expected one of: linear, nearest"#]),
        (#"  - resize: {shape: [4, 0, 2, 1]}"#, [#"p.yaml:5:21: found 4 values for resize.shape, expected 2 to 3 values"#]),
        (#"  - resize: {shape: [4, 0]}"#, [#"p.yaml:5:25: found shape value 0, expected a positive integer"#]),
        (#"  - normalize: {method: instance, mask: weird}"#, [#"p.yaml:5:41: found 'weird' for mask, expected all, nonzero or {threshold: number}"#]),
        (#"  - select_channels: {channels: [-1]}"#, [#"p.yaml:5:34: found channel index -1, expected an index ≥ 0"#]),
        (#"  - select_channels: {channels: []}"#, [#"p.yaml:5:33: found 0 values for select_channels.channels, expected 1 to 9223372036854775807 values"#]),
        (#"  - normalize: {method: foo}"#, [#"p.yaml:5:25: found unknown normalize method 'foo', expected one of: groupnorm, instance, dataset, minmax, percentile, imagenet, batchstats"#]),
        (#"  - normalize: {method: foo, groups: 2, bogus: 1}"#, [#"p.yaml:5:25: found unknown normalize method 'foo', expected one of: groupnorm, instance, dataset, minmax, percentile, imagenet, batchstats"#, #"p.yaml:5:41: found unknown key 'bogus' in normalize, expected one of: method, nonfinite, beta, ct_clip, eps, gamma, groups, lower, mask, stats, upper"#]),
        (#"  - normalize: {groups: 2}"#, [#"p.yaml:5:5: found normalize without 'method', expected key 'method' (required), one of: groupnorm, instance, dataset, minmax, percentile, imagenet, batchstats"#]),
        (#"  - normalize: {groups: 2, bogus: 1}"#, [#"p.yaml:5:5: found normalize without 'method', expected key 'method' (required), one of: groupnorm, instance, dataset, minmax, percentile, imagenet, batchstats"#, #"p.yaml:5:28: found unknown key 'bogus' in normalize, expected one of: method, nonfinite, beta, ct_clip, eps, gamma, groups, lower, mask, stats, upper"#]),
        (#"  - normalize: 3"#, [#"p.yaml:5:16: found '3' for normalize, expected a mapping with 'method'"#]),
        (#"  - normalize:"#, [#"p.yaml:5:15: found null for normalize, expected a mapping with 'method'"#]),
        (#"  - normalize: {method: [a]}"#, [#"p.yaml:5:25: found unknown normalize method a list, expected one of: groupnorm, instance, dataset, minmax, percentile, imagenet, batchstats"#]),
        (#"  - normalize: {method: groupnorm}"#, [#"p.yaml:5:5: found normalize (groupnorm) without 'groups', expected key 'groups' (required)"#]),
        (#"  - normalize: {method: groupnorm, groups: 0}"#, [#"p.yaml:5:44: found groups 0, expected a positive integer"#]),
        (#"  - normalize: {method: groupnorm, groups: 2, gamma: [1], beta: [1, 2]}"#, [#"p.yaml:5:65: found gamma with 1 values and beta with 2, expected the same number of values (one per channel)"#]),
        (#"  - normalize: {method: groupnorm, groups: 2, gamma: 1, beta: [x]}"#, [#"p.yaml:5:54: found '1' for gamma, expected a list"#, #"p.yaml:5:64: found 'x' for a beta value, expected a number"#]),
        (#"  - normalize: {method: instance, eps: 0}"#, [#"p.yaml:5:40: found eps 0.0, expected a positive number"#]),
        (#"  - normalize: {method: instance, groups: 2}"#, [#"p.yaml:5:35: found unknown key 'groups' in normalize (instance), expected one of: method, nonfinite, eps, mask"#]),
        (#"  - normalize: {method: dataset, mask: weird}"#, [#"p.yaml:5:40: found 'weird' for mask, expected all, nonzero or {threshold: number}"#]),
        (#"  - normalize: {method: dataset, mask: {threshold: x}}"#, [#"p.yaml:5:52: found 'x' for mask.threshold, expected a number"#]),
        (#"  - normalize: {method: dataset, mask: {thresh: 1}}"#, [#"p.yaml:5:41: found unknown key 'thresh' in mask, expected one of: threshold"#, #"p.yaml:5:40: found mask without 'threshold', expected key 'threshold' (required)"#]),
        (#"  - normalize: {method: dataset, mask: [1]}"#, [#"p.yaml:5:40: found a list for mask, expected all, nonzero or {threshold: number}"#]),
        (#"  - normalize: {method: dataset, stats: ""}"#, [#"p.yaml:5:41: found an empty stats, expected a non-empty string"#]),
        (#"  - normalize: {method: dataset, ct_clip: maybe}"#, [#"p.yaml:5:43: found 'maybe' for ct_clip, expected true or false"#]),
        (#"  - normalize: {method: percentile, lower: 50, upper: 10}"#, [#"p.yaml:5:48: found upper 10.0 not above lower 50.0, expected lower < upper"#]),
        (#"  - normalize: {method: percentile, lower: 101}"#, [#"p.yaml:5:44: found lower 101.0, expected a percentile in 0…100"#]),
        (#"  - normalize: {method: minmax, nonfinite: nan}"#, [#"p.yaml:5:44: found 'nan' for normalize.nonfinite, expected one of: error, ignore, zero"#]),
        (#"  - normalize: {method: minmax, eps: 1}"#, [#"p.yaml:5:33: found unknown key 'eps' in normalize (minmax), expected one of: method, nonfinite"#]),
        (#"  - normalize: {method: imagenet, eps: 1}"#, [#"p.yaml:5:35: found unknown key 'eps' in normalize (imagenet), expected one of: method, nonfinite"#]),
        (#"  - normalize: {method: batchstats, eps: -1}"#, [#"p.yaml:5:42: found eps -1.0, expected a positive number"#]),
        (#"  - normalize: {method: minmax}\#n  - clip: {min: 0, max: 1}"#, [#"p.yaml:5:5: found normalize as stage 1 of 2, expected normalize as the last stage"#]),
        (#"  - {clip: {min: 0, max: 1}, drop_alpha: {}}"#, [#"p.yaml:5:5: found a mapping as stage 1, expected a one-key mapping '- stage: {parameters}' with a stage from: orient, clip, crop_foreground, resample, resize, crop_or_pad, select_channels, drop_alpha, normalize"#]),
        (#"  - [clip]"#, [#"p.yaml:5:5: found a list as stage 1, expected a one-key mapping '- stage: {parameters}' with a stage from: orient, clip, crop_foreground, resample, resize, crop_or_pad, select_channels, drop_alpha, normalize"#]),
    ]

    /// Stages, an input channel count, and every issue `checkChannels` gives.
    static let channelCases: [(stages: String, channels: Int, issues: [String])] = [
        (#"  - select_channels: {channels: [2, 0]}\#n  - normalize: {method: groupnorm, groups: 2, gamma: [1, 2, 3]}"#, 1, [#"p.yaml:5:23: found channel index 2 with 1 channels, expected an index below 1"#, #"p.yaml:6:47: found gamma with 3 values for 2 channels, expected one value per channel"#]),
        (#"  - select_channels: {channels: [2, 0]}\#n  - normalize: {method: groupnorm, groups: 2, gamma: [1, 2, 3], beta: [0, 0, 0]}"#, 3, [#"p.yaml:6:47: found gamma with 3 values for 2 channels, expected one value per channel"#, #"p.yaml:6:65: found beta with 3 values for 2 channels, expected one value per channel"#]),
        (#"  - normalize: {method: groupnorm, groups: 2, gamma: [1, 2, 3], beta: [0, 0, 0]}"#, 3, [#"p.yaml:5:36: found groups 2 with 3 channels, expected a number of groups that divides the channel count"#]),
        (#"  - normalize: {method: imagenet}"#, 2, [#"p.yaml:5:17: found imagenet normalization of 2 channels, expected 1 or 3 channels (gray or RGB)"#]),
        (#"  - drop_alpha:\#n  - normalize: {method: imagenet}"#, 4, []),
        (#"  - drop_alpha:\#n  - normalize: {method: imagenet}"#, 2, []),
        (#"  - drop_alpha:\#n  - normalize: {method: imagenet}"#, 5, [#"p.yaml:6:17: found imagenet normalization of 5 channels, expected 1 or 3 channels (gray or RGB)"#]),
        (#"  - normalize: {method: dataset}"#, 7, []),
        (#"  - clip: {min: 0, max: 1}\#n  - normalize: {method: batchstats}"#, 7, []),
    ]

    static func pipeline(name: String, stages: String) -> String {
        "version: 1\nname: \(name)\ninput: {directory: in, include: [\"*.nii\"]}\nstages:\n\(stages)\noutput: {directory: out}\n"
    }

    @Test func examplePipelinesKeepTheirCanonicalJSONAndHashes() throws {
        let directory = PackagePaths.root + "/pipelines"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files == Self.examples.map(\.file))
        for pin in Self.examples {
            let text = try String(contentsOfFile: directory + "/" + pin.file, encoding: .utf8)
            let resolved = try PipelineParser.parse(text: text, path: "/pinned/pipelines/" + pin.file).resolved()
            #expect(resolved.canonicalJSON == pin.json, "\(pin.file)")
            #expect(resolved.pipelineHash == pin.pipelineHash, "\(pin.file)")
            #expect(resolved.processingHash == pin.processingHash, "\(pin.file)")
        }
    }

    @Test func everyStageAndMethodKeepsItsCanonicalJSONAndHashes() throws {
        #expect(Self.extras.map(\.label) == Self.extraStages.map(\.0))
        for (pin, (label, stages)) in zip(Self.extras, Self.extraStages) {
            let resolved = try PipelineParser.parse(text: Self.pipeline(name: label, stages: stages), path: "/pinned/p.yaml").resolved()
            #expect(resolved.canonicalJSON == pin.json, "\(label)")
            #expect(resolved.pipelineHash == pin.pipelineHash, "\(label)")
            #expect(resolved.processingHash == pin.processingHash, "\(label)")
        }
    }

    @Test func invalidStagesKeepTheirIssues() {
        for pin in Self.invalidStages {
            let issues = PipelineParser.validate(text: Self.pipeline(name: "t", stages: pin.stages), path: "p.yaml").map(\.description)
            #expect(issues == pin.issues, "\(pin.stages)")
        }
    }

    @Test func channelChecksKeepTheirIssues() throws {
        for pin in Self.channelCases {
            let resolved = try PipelineParser.parse(text: Self.pipeline(name: "t", stages: pin.stages), path: "p.yaml").resolved()
            #expect(resolved.checkChannels(pin.channels).map(\.description) == pin.issues, "\(pin.stages) with \(pin.channels)")
        }
    }
}
