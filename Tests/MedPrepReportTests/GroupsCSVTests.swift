import Testing
import MedPrepCore
import MedPrepNormalize
@testable import MedPrepReport

@Suite struct GroupsCSVTests {
    @Test func rowsCarryEveryColumnAndQuoteFileNames() {
        var moments = Moments()
        [1.0, 3.0, 5.0].forEach { moments.add($0) }
        let stats = GroupStatistics(sample: 0, group: 1, channels: 2 ..< 4, moments: moments, eps: 1e-5)
        let text = GroupsCSV.render([GroupRow(file: "a,b.nii", statistics: stats)])
        let lines = text.split(separator: "\n")
        #expect(lines[0] == "file,sample,group,channels,count,mean,var,std,min,max,nonfinite")
        let std = (8.0 / 3.0).squareRoot()
        #expect(lines[1] == "\"a,b.nii\",0,1,2-3,3,3.0,\(8.0 / 3.0),\(std),1.0,5.0,0")
    }
}
