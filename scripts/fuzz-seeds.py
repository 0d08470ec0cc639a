#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the fuzz targets into fuzz/seeds/<target>/ (the
committed corpora in fuzz/corpus/ are these plus what the fuzzers found, minimized)."""
import hashlib, os, struct, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fuzz', 'seeds')
SIGS = ['Scalars', 'Options', 'Structs', 'Refs', 'Bytes', 'JsRefs', 'Mixed', 'Nested', 'Others',
        'NoArgs', 'OneRef', 'MaybeRef', 'OneBytes', 'OneJsObject', 'OneJsStream', 'OneValue']
MARKER_SIGS = ['OneRef', 'MaybeRef', 'OneBytes', 'OneJsObject', 'OneJsStream', 'OneValue']

def write(target, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), 'wb') as f:
        f.write(data)

def staged(arrays):
    out = bytes([len(arrays)])
    for a in arrays:
        out += bytes([len(a)]) + a
    return out

BINDING = [
    ('Scalars', [], '[1,"a",true]'), ('Scalars', [], '[1,"a\\"b\\\\",false]'),
    ('Scalars', [], '[1,"a"]'), ('Scalars', [], '[1,"a",true,4]'), ('Scalars', [], '["x","a",true]'),
    ('Options', [], '[null,7,"c"]'), ('Options', [], '[1.5e3,null,"\\u00e9"]'), ('Options', [], '[1,300,"cc"]'),
    ('Structs', [], '[{"x":1,"y":"a\\\\"},[1,2,-3]]'), ('Structs', [], '[{"x":1,"x":2},[]]'),
    ('Structs', [], '[[1,null],[1]]'), ('Structs', [], '[{"y":null,"x":-7,"z":[{}]},[9007199254740993]]'),
    ('Structs', [], '[{"x":1},' + '[' * 33 + ']' * 33 + ']'),
    ('Refs', [], '[{"__dotNetObject":1},null]'), ('Refs', [], '[{"__dotNetObject":1},{"__dotNetObject":3}]'),
    ('Refs', [], '[{"__dotNetObject":2},null]'), ('Refs', [], '[{"__dotNetObject":-1},{"x":1}]'),
    ('Refs', [], '[{"\\u005f_dotNetObject":1},null]'),
    ('Bytes', [b'abc', b'de'], '[{"__byte[]":0},{"name":"n","data":{"__byte[]":1}}]'),
    ('Bytes', [b'abc'], '[{"__byte[]":0},{"name":"n","data":{"__byte[]":0}}]'),
    ('Bytes', [], '["YWJj",{"name":"n","data":"ZA=="}]'),
    ('Bytes', [b'abc'], '[{"__byte\\u005b]":0},{"data":"","name":1}]'),
    ('JsRefs', [], '[{"__jsObjectId":4},{"__jsStreamReferenceLength":10,"__jsObjectId":5}]'),
    ('JsRefs', [], '[{"__jsObjectId":-1},{"__jsObjectId":5,"__jsStreamReferenceLength":0}]'),
    ('Mixed', [b'x', b'y'], '[[{"name":"a","data":{"__byte[]":0}},{"name":"b","data":{"__byte[]":1}}],{"k":[1,{"__dotNetObject":1}]}]'),
    ('Mixed', [], '[[],{"__dotNetObject":1}]'),
    ('Nested', [], '[{"refs":[{"__dotNetObject":1}],"js":{"__jsObjectId":2},"points":[{"x":1,"y":null}]},[{"__dotNetObject":1}]]'),
    ('Nested', [], '[{"refs":null},[{"__dotNetObject":3}]]'),
    ('Others', [], '[{"__dotNetObject":3},{"x":0}]'), ('Others', [], '[{"__dotNetObject":1},{"x":0}]'),
    ('NoArgs', [], '[]'), ('NoArgs', [], '[1]'), ('NoArgs', [], 'garbage'),
    ('OneValue', [], '[{"__dotNetObject":1}]'), ('OneValue', [], '[{"a":"\\ud800"}]'),
]

def main():
    for name, arrays, args in BINDING:
        for strict in (0, 1) if name == 'NoArgs' else (0,):
            write('binding', bytes([SIGS.index(name), strict]) + staged(arrays) + args.encode())
            write('escaped_markers', bytes([SIGS.index(name), strict]) + staged(arrays)
                  + struct.pack('<I', 0x9e3779b9) + args.encode())
    for name, arrays, value in [
        ('OneRef', [], '{"__dotNetObject":1}'), ('OneRef', [], '{"__dotNetObject":1,"__dotNetObject":1}'),
        ('OneRef', [], '{"a":1}'), ('OneRef', [], '{}'), ('OneRef', [], '{"__dotNetObject":"1"}'),
        ('MaybeRef', [], 'null'), ('MaybeRef', [], '{"__dotNetObject":3}'),
        ('OneBytes', [b'abc'], '{"__byte[]":0}'), ('OneBytes', [b'abc'], '{"__byte[]":1}'),
        ('OneBytes', [b'abc'], '{"__byte[]":0,"x":1}'), ('OneBytes', [b'abc'], '{"__byte[]":2147483648}'),
        ('OneBytes', [], '{"__byte[]":0}'), ('OneBytes', [b'a'], '"YQ=="'), ('OneBytes', [b'a'], '[1]'),
        ('OneJsObject', [], '{"__jsObjectId":1}'), ('OneJsObject', [], 'null'),
        ('OneJsStream', [], '{"__jsStreamReferenceLength":3,"__jsObjectId":1}'),
        ('OneJsStream', [], '{"__jsObjectId":1,"__jsObjectId":1}'),
        ('OneValue', [], '{"__byte[]":0}'),
    ]:
        write('markers', bytes([MARKER_SIGS.index(name)]) + staged(arrays) + value.encode())

def frame(kind, id, part, payload):
    return bytes([kind]) + struct.pack('<QI', id, part) + payload

def more_seeds():
    # completion: mode (0: as is, 1/2: after the handle of call 1/2; 0x10: 64-byte limit), text
    for mode, text in [
        (1, 'true,{"a":[1,2]}]'), (2, 'true,[{"x":1,"y":"a"}]]'), (2, 'true,[{"x":"no"}]]'),
        (2, 'true,[[1,null,3]]]'), (1, 'false,"boom"]'), (1, 'false,null]'), (1, 'false,{"m":1}]'),
        (1, 'true]'), (1, 'true,1,2]'), (1, 'true,' + '[' * 40 + ']' * 40 + ']'), (0, '[1,true,5]'),
        (0, '[99,true,5]'), (0, '[]'), (0, 'x'), (0x11, 'true,"' + 'a' * 80 + '"]'),
        (1, 'tru'), (2, 'true,[{"x":1,"x":2}]]'),
    ]:
        write('completion', bytes([mode]) + text.encode())
    # frames: ops 0 (text frame, ended by 0xff), 1 (raw binary), 2/3 (a part written from fields)
    texts = [
        '["BeginInvokeDotNetFromJS",3,"Fuzz","Scalars",null,[1,"a",true]]',
        '["BeginInvokeDotNetFromJS",3,"Fuzz","Scalars",null,"[1,\\"a\\",true]"]',
        '["BeginInvokeDotNetFromJS",0,"Fuzz","Scalars",null,"[]"]',
        '["BeginInvokeDotNetFromJS",4,"Fuzz",7,null,"[]"]',
        '["BeginInvokeDotNetFromJS",null,"Fuzz","OneBytes",null,[{"__byte[]":0}]]',
        '["EndInvokeJSFromDotNet",2,true,[2,true,{"a":[1]}]]', '["EndInvokeJSFromDotNet",2,true,"[2,true,1]"]',
        '["Ping",5]', '["Ping",-1]', '["Nope"]', '[]', '{}', '["BeginInvokeDotNetFromJS",5,"A","B",1,{"x":1}]',
    ]
    for t in texts:
        write('frames', b'\x00' + t.encode() + b'\xff')
    write('frames', b'\x01' + bytes([13 + 3]) + frame(1, 0, 0, b'abc'))
    write('frames', b'\x01' + bytes([13 + 2]) + frame(3, 1 << 33, 2, b'ab'))
    write('frames', b'\x01' + bytes([5]) + b'\x01\x02\x03\x04\x05')
    # a byte array in three parts, then one in one frame, then a text frame
    parts = b''
    for flags, payload in [(0, b'x' * 70), (0, b'y' * 100), (1, b'z' * 3)]:
        parts += b'\x02' + bytes([flags, len(payload)]) + payload
    write('frames', parts)
    write('frames', parts + b'\x02\x03\x05hello')
    write('frames', parts + b'\x00["Ping",1]\xff' + b'\x02\x0f\x04abcd')
    # sequence: ops (byte % 10) and their operands
    for ops in [
        [0, 0, 4, 200, 3, 97, 98, 99, 4, 0, 2, 1, 2, 0, 2], [1, 3, 0, 0], [1, 9, 200, 9, 200],
        [2, 3, 1, 3, 0, 0, 3, 0, 0, 3, 0, 0], [2, 3, 1, 3, 0, 1, 2, 5, 1, 2, 3, 4, 5],
        [6, 6, 6, 5, 1, 7, 1, 7, 3], [4, 0, 2, 9, 9, 8, 0, 8, 0], [4, 201, 1, 7, 8, 1],
        [2, 255, 1, 9, 255, 9, 255, 9, 255], [1, 1, 1, 1, 1, 3, 0, 7, 3, 0, 3, 0, 1],
    ]:
        write('sequence', bytes(ops))

if __name__ == '__main__':
    more_seeds()
    main()
