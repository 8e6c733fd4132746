"""Reading, writing, converting and downloading benchmark data files.

`atomic` writes files whole or not at all; `tfrecord` frames records; `nb101_records`
decodes NAS-Bench-101 records; `nb101_convert` turns an official NAS-Bench-101 file into
benchlab's HDF5 table (decoding it in parallel spans, `nb101_decode`, and assembling and
checking the table's arrays, `nb101_assemble`); `download` fetches files resumably with a
checksum.
"""
